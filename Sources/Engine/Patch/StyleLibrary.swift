import Ensemble
import Foundation
import Synchronization

/// Finds and loads the learned style models patches name (`style = "fiddle-lead"`), once:
/// a model is read on first use and shared by every patch that names it, so a live patch
/// switch doesn't re-read a megabyte of counts. Control threads only.
public enum StyleLibrary {
    private static let cache = Mutex<[String: StyleModel]>([:])

    /// Where a model named `name` is looked for: next to the patch (`models/NAME.style` in the
    /// patch's folder), then in the working directory's `Patches/models`, then where the
    /// installer puts them. The built-in patch has no folder and starts at the second.
    static func candidates(for name: String, patchFile: String) -> [String] {
        var dirs: [String] = []
        if patchFile != Patch.builtInName {
            dirs.append(URL(fileURLWithPath: patchFile).deletingLastPathComponent().appendingPathComponent("models").path)
        }
        dirs += ["Patches/models", "/usr/local/share/polyphon/Patches/models", "/usr/share/polyphon/Patches/models"]
        return dirs.map { $0 + "/" + name + ".style" }
    }

    /// The model `name`, or an error that says where it was looked for.
    public static func load(_ name: String, patchFile: String) throws -> StyleModel {
        let paths = candidates(for: name, patchFile: patchFile)
        guard let path = paths.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw LoadError(description: "no style model '\(name)': looked for \(paths.joined(separator: ", "))")
        }
        let key = URL(fileURLWithPath: path).standardizedFileURL.path
        if let hit = cache.withLock({ $0[key] }) { return hit }
        let model: StyleModel
        do {
            model = try StyleModel.load(contentsOf: path)
        } catch {
            throw LoadError(description: "style model '\(name)' (\(path)) is unreadable: \(error)")
        }
        cache.withLock { $0[key] = model }
        return model
    }

    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }
}
