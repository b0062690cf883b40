import Control
import Engine
import Foundation
import Testing

/// Names sent over the network resolve only inside their folder, and file errors told to a
/// controller never carry the file's words.
@Suite struct ShowFolderTests {
    func folder() throws -> (ShowFolder, String) {
        let root = NSTemporaryDirectory() + "polyphon-folder-\(getpid())-\(UUID().uuidString.prefix(6))"
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/cues/act2", withIntermediateDirectories: true)
        try "0 /polyphon/tempo 100\n".write(toFile: root + "/cues/set.cue", atomically: true, encoding: .utf8)
        try "0 /polyphon/tempo 90\n".write(toFile: root + "/cues/act2/b.cue", atomically: true, encoding: .utf8)
        try "secret\n".write(toFile: root + "/private.txt", atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(atPath: root + "/cues/out.cue", withDestinationPath: root + "/private.txt")
        try fm.createSymbolicLink(atPath: root + "/cues/in.cue", withDestinationPath: root + "/cues/set.cue")
        return (ShowFolder(kind: "cue", roots: [root + "/cues"]), root)
    }

    @Test func namesInsideResolve() throws {
        let (f, root) = try folder()
        let real = ShowFolder(kind: "cue", roots: [root]).roots[0]
        #expect(try f.resolve("set.cue") == real + "/cues/set.cue")
        #expect(try f.resolve("act2/b.cue") == real + "/cues/act2/b.cue")
        #expect(try f.resolve("act2/../set.cue") == real + "/cues/set.cue")
        #expect(try f.resolve("in.cue") == real + "/cues/set.cue", "a symlink that stays inside is fine")
        #expect(try f.resolve(real + "/cues/set.cue") == real + "/cues/set.cue", "an absolute path inside is fine")
    }

    @Test("names that lead out, or nowhere, are refused", arguments: [
        "../private.txt", "/etc/passwd", "out.cue", "act2", "missing.cue", "", "act2/../../private.txt", "set.cue\0", "/",
    ])
    func namesOutsideAreRefused(name: String) throws {
        let (f, _) = try folder()
        #expect(throws: ShowFolder.Refusal.self) { try f.resolve(name) }
    }

    @Test func aFileSummaryCarriesNoWordOfTheFile() throws {
        let secret = "root:x9Secret:20228:0:99999:7:::\npassword = hunter2\n[vault.key]\nlabel alpha beta\ngoto nowhere\n0 /polyphon/zzz 1\n"
        do {
            let list = try CueList(file: "/etc/shadow", text: secret)
            _ = try list.compile(agentNames: ["bass"], steering: Patch.builtIn.initialSteering)
            Issue.record("the secret parsed as a cue file")
        } catch {
            let summary = SourceErrors.summary(error.errors, file: "shadow", text: secret)
            for word in ["x9Secret", "20228", "99999", "hunter2", "password", "vault", "nowhere", "alpha", "zzz"] {
                #expect(!summary.contains(word), "'\(word)' leaked: \(summary)")
            }
            #expect(summary.contains("shadow:1:1:"), "\(summary)")
        }
    }
}
