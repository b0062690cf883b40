import Engine
import Ensemble
import Foundation
import Testing

/// The built-in patch plays from models compiled into the binary (Tools/embed-models.py):
/// these tests keep the compiled-in texts equal to Patches/models, so the two cannot drift, and
/// check the built-in patch parses with them.
@Suite struct BuiltInModelTests {
    /// Model names the built-in patch's `style =` and `harmony_style =` lines give.
    static var namedByBuiltIn: Set<String> {
        var names = Set<String>()
        for line in Patch.builtInText.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[0] == "style" || parts[0] == "harmony_style" else { continue }
            if let name = parts[1].split(separator: "\"").first { names.insert(String(name)) }
        }
        return names
    }

    @Test func exactlyTheModelsTheBuiltInPatchNamesAreCompiledIn() {
        #expect(Self.namedByBuiltIn.count == 4)
        #expect(Set(StyleLibrary.builtInNames) == Self.namedByBuiltIn, "run Tools/embed-models.py")
    }

    @Test(arguments: StyleLibrary.builtInNames)
    func compiledInTextEqualsTheFile(name: String) throws {
        let path = TestPatches.root + "/Patches/models/\(name).style"
        let file = try #require(FileManager.default.contents(atPath: path), "\(path) is missing")
        let text = try #require(StyleLibrary.builtInText(name))
        #expect(Data(text.utf8) == file, "Sources/Engine/BuiltInModels/\(name).style.swift differs from \(path): run Tools/embed-models.py")
    }

    @Test func builtInPatchParsesWithItsModels() throws {
        let p = try Patch.parseBuiltIn()
        #expect(p.agents.map(\.spec.role.rawValue) == ["drums", "bass", "harmony", "lead"])
        #expect(p.agents.filter { $0.spec.style != nil }.map(\.spec.name) == ["drums", "bass", "lead"])
        #expect(p.styleModels.harmony != nil)
        // The non-throwing accessor the server falls back on gives the same band, not the stand-in.
        #expect(Patch.builtIn.agents.count == 4)
        #expect(Patch.builtIn.styleModels.harmony != nil)
    }

    @Test func builtInModelsComeFromTheBinaryNotFromFiles() throws {
        // A name that is not compiled in fails for the built-in patch even though no file search
        // would be needed to say so, and the message says what is built in.
        do {
            _ = try StyleLibrary.load("not-a-model", patchFile: Patch.builtInName)
            Issue.record("the built-in patch loaded a model that is not compiled in")
        } catch {
            #expect("\(error)".contains("is built in"))
            #expect(!"\(error)".contains("looked for"))
        }
        let model = try StyleLibrary.load("fiddle-lead", patchFile: Patch.builtInName)
        #expect(model.role == .lead)
    }

    @Test func filesAreLookedForNextToThePatchThenTheExecutableThenThePrefixThenTheWorkingDirectory() {
        let paths = StyleLibrary.candidates(for: "m", patchFile: "/shows/venue/night.patch", executable: "/opt/polyphon/bin/polyphon")
        #expect(paths == [
            "/shows/venue/models/m.style",
            "/opt/polyphon/bin/models/m.style",
            "/opt/polyphon/share/polyphon/models/m.style",
            "/opt/polyphon/share/polyphon/Patches/models/m.style",
            "/usr/local/share/polyphon/Patches/models/m.style",
            "/usr/share/polyphon/Patches/models/m.style",
            "Patches/models/m.style",
        ])
        // Installed by deploy/install-debian.sh: the executable's share folder is the prefix, listed once.
        let installed = StyleLibrary.candidates(for: "m", patchFile: "/etc/x.patch", executable: "/usr/local/bin/polyphon")
        #expect(installed.filter { $0 == "/usr/local/share/polyphon/Patches/models/m.style" }.count == 1)
        #expect(installed.last == "Patches/models/m.style")
    }

    @Test func theExecutableIsKnown() throws {
        let exe = try #require(StyleLibrary.executablePath)
        #expect(FileManager.default.isExecutableFile(atPath: exe))
    }
}
