import Control
import Engine
import Foundation
import Installation
import Testing

@Suite struct ConfigTests {
    static var root: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    @Test func theExampleConfigIsValid() throws {
        let path = ConfigTests.root + "/deploy/polyphon.conf"
        let c = try InstallationConfig(file: path, text: String(contentsOfFile: path, encoding: .utf8))
        #expect(c.schedule.map(\.name) == ["morning", "afternoon", "evening", "night"])
        #expect(c.access.control.count == 4 && c.access.rateLimit == 500 && c.access.secret == nil)
        #expect(c.volumeLimit == 0.9 && c.metricsPort == 9464)
        #expect(c.schedule[3].silent && c.schedule[0].densityRange == 0.1...0.5)
    }

    @Test func everyMistakeHasItsLineAndColumn() {
        let text = """
        [server]
        port = 99999
        bogus = 1
        [schedule.x]
        from = "25:00"
        mood = "sunny"
        [access]
        control = "10.0.0.300/8"
        """
        do {
            _ = try InstallationConfig(file: "bad.conf", text: text)
            Issue.record("a broken config loaded")
        } catch {
            #expect(error.errors.map { "\($0.line):\($0.column)" } == ["2:8", "3:1", "4:1", "5:8", "6:8", "8:11"])
            #expect(error.errors[1].message.hasPrefix("unknown key 'bogus' in [server]"))
        }
    }
}

@Suite struct StateFileTests {
    func tempPath() -> String { NSTemporaryDirectory() + "polyphon-state-\(UUID().uuidString).json" }

    func steering() throws -> Steering { try Patch(file: "p", text: "[agent.bass]\nrole = \"bass\"\n[agent.keys]\nrole = \"harmony\"\n").initialSteering }

    @Test func savesAtomicallyAndRestoresByAgentName() throws {
        let file = StateFile(path: tempPath())
        defer { try? FileManager.default.removeItem(atPath: file.path) }
        var s = try steering()
        s.tempo = 133
        s.mood = .init(named: "dark")!
        s.agents[1].mute = true
        try file.save(SavedState(patch: "a.patch", seed: 9, steering: s, cue: ("set.cue", 4)))
        #expect(!FileManager.default.fileExists(atPath: file.path + ".tmp"))
        let back = try #require(try file.load())
        #expect(back.patch == "a.patch" && back.seed == 9 && back.cueIndex == 4)
        // A patch whose agents moved around keeps mutes by name.
        var other = try Patch(file: "q", text: "[agent.keys]\nrole = \"harmony\"\n[agent.drums]\nrole = \"drums\"\n").initialSteering
        back.restore(into: &other)
        #expect(other.tempo == 133 && other.mood.name == "dark")
        #expect(other.agents.map(\.mute) == [true, false])
    }

    @Test func sendsMorphBusesAndLiveSoundSurviveARestart() throws {
        let file = StateFile(path: tempPath())
        defer { try? FileManager.default.removeItem(atPath: file.path) }
        var s = try steering()
        s.agents[0].reverb = 0.4
        s.agents[0].morph = 0.62
        s.agents[0].sound[SoundParameter.named("cutoff", family: "subtractive")!.code] = 650
        s.effects.reverbSize = 0.9
        s.moodGlide = 12
        s.followPlayer = true
        try file.save(SavedState(patch: "a.patch", seed: 9, steering: s, cue: nil))
        var fresh = try steering()
        try #require(try file.load()).restore(into: &fresh)
        #expect(fresh.agents[0].reverb == 0.4 && fresh.agents[0].morph == 0.62)
        #expect(fresh.agents[0].sound == s.agents[0].sound)
        #expect(fresh.effects.reverbSize == 0.9 && fresh.moodGlide == 12 && fresh.followPlayer)
    }

    @Test func aStateFileFromBeforeTheSoundSettingsStillLoads() throws {
        let path = tempPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let old = #"{"patch":"a.patch","seed":1,"tempo":100,"density":0.5,"mood":"calm","valence":0.4,"arousal":-0.7,"tonic":2,"masterGain":0.8,"playing":true,"agents":[{"name":"bass","mute":true,"solo":false,"gain":0.7,"pan":0}],"savedAt":"2026-11-20T08:00:00Z"}"#
        try Data(old.utf8).write(to: URL(fileURLWithPath: path))
        var s = try steering()
        try #require(try StateFile(path: path).load()).restore(into: &s)
        #expect(s.tempo == 100 && s.agents[0].mute && s.agents[0].reverb == 0)
    }

    @Test func aCorruptFileIsReportedNotTrusted() throws {
        let path = tempPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("{\"tempo\": 12".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: StateFile.Problem.self) { try StateFile(path: path).load() }
    }

    @Test func anUnwritableFolderIsReported() {
        #expect(throws: StateFile.Problem.self) { try StateFile(path: "/proc/polyphon/state.json").checkWritable() }
    }
}
