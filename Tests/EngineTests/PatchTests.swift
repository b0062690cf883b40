import Engine
import Testing

@Suite struct PatchTests {
    @Test func defaultPatchLoads() throws {
        let p = try TestPatches.defaultPatch()
        #expect(p.agents.map(\.spec.role.rawValue) == ["drums", "bass", "harmony", "lead"])
        #expect(p.tempo == 112)
    }

    @Test func everyMistakeIsReportedWithLineAndColumn() {
        let text = """
        [band]
        tempo = 900
        mood = "sunny"
        bogus = 1

        [agent.bass]
        role = "bass"
        cutoff = "high"
        wave = "sawtooth"
        [agent.x]
        gain = 0.5
        """
        do {
            _ = try Patch(file: "bad.patch", text: text)
            Issue.record("a broken patch loaded")
        } catch {
            let lines = error.errors.map(\.description)
            #expect(lines.contains("bad.patch:2:9: error: 'tempo' expects a number in 20.0...300.0, found 900.0"))
            #expect(lines.contains { $0.hasPrefix("bad.patch:3:8: error: 'mood' expects one of calm") })
            #expect(lines.contains { $0.hasPrefix("bad.patch:4:1: error: unknown key 'bogus' in [band]") })
            #expect(lines.contains { $0.hasPrefix("bad.patch:8:10: error: 'cutoff' expects a number") })
            #expect(lines.contains { $0.hasPrefix("bad.patch:9:8: error: 'wave' expects one of saw") })
            #expect(lines.contains { $0.hasPrefix("bad.patch:10:1: error: [agent.x] needs a 'role'") })
            #expect(error.errors.count == 6)
        }
    }

    @Test func syntaxErrorsPointAtTheColumn() {
        do {
            _ = try Patch(file: "s.patch", text: "[band]\ntempo 120\nname = \"open\n[agent.d]\nrole = \"drums\"\n")
            Issue.record("a broken patch loaded")
        } catch {
            #expect(error.errors.map(\.description) == [
                "s.patch:2:7: error: expected '=' after 'tempo'",
                "s.patch:3:8: error: expected a closing '\"'",
            ])
        }
    }
}

@Suite struct BuiltInPatchTests {
    @Test func builtInIsTheDefaultPatchFile() throws {
        let file = try String(contentsOfFile: TestPatches.root + "/Patches/default.patch", encoding: .utf8)
        #expect(Patch.builtInText + "\n" == file || Patch.builtInText == file, "Sources/Engine/Patch/BuiltInPatch.swift must match Patches/default.patch")
        #expect(Patch.builtIn.agents.count == 4)
    }
}
