import Engine
import Foundation

enum TestPatches {
    /// The repository root, found from this file's path.
    static var root: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    static func defaultPatch() throws -> Patch {
        let path = root + "/Patches/default.patch"
        return try Patch(file: path, text: String(contentsOfFile: path, encoding: .utf8))
    }
}
