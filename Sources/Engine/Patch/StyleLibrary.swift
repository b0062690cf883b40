import Realtime
import Ensemble
import Foundation
import Synchronization

/// Finds and loads the learned style models patches name (`style = "fiddle-lead"`), once:
/// a model is read on first use and shared by every patch that names it, so a live patch
/// switch doesn't re-read a megabyte of counts. Control threads only.
///
/// The built-in patch never reads a file: its models are compiled in (`BuiltInModels/`,
/// written by Tools/embed-models.py), so it plays the same band wherever the binary runs.
public enum StyleLibrary {
    private static let cache = Guarded<[String: StyleModel]>([:])

    /// Where a model named `name` is looked for, first found wins: next to the patch
    /// (`models/NAME.style` in the patch's folder); next to the executable (`models/`, then
    /// `../share/polyphon/models` and `../share/polyphon/Patches/models`, where
    /// deploy/install-debian.sh puts them relative to the binary); the install prefixes; and only
    /// last the working directory's `Patches/models`, so a server started from an unrelated
    /// folder finds the same models as one started from a checkout.
    public static func candidates(for name: String, patchFile: String, executable: String? = executablePath) -> [String] {
        var dirs: [String] = []
        if patchFile != Patch.builtInName {
            dirs.append(URL(fileURLWithPath: patchFile).deletingLastPathComponent().appendingPathComponent("models").path)
        }
        if let executable {
            let bin = URL(fileURLWithPath: executable).deletingLastPathComponent()
            dirs += ["models", "../share/polyphon/models", "../share/polyphon/Patches/models"].map {
                bin.appendingPathComponent($0).standardizedFileURL.path
            }
        }
        dirs += ["/usr/local/share/polyphon/Patches/models", "/usr/share/polyphon/Patches/models", "Patches/models"]
        var seen = Set<String>()
        return dirs.filter { seen.insert($0).inserted }.map { $0 + "/" + name + ".style" }
    }

    /// This program's file, symlinks resolved (`/proc/self/exe` on Linux), or nil if unknown.
    public static let executablePath: String? = {
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return target }
        return Bundle.main.executableURL?.resolvingSymlinksInPath().path
    }()

    /// The model `name`, or an error that says where it was looked for. The built-in patch
    /// takes its models from the binary, always, and never from a file of the same name.
    public static func load(_ name: String, patchFile: String) throws -> StyleModel {
        if patchFile == Patch.builtInName { return try builtIn(name) }
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

    /// Names of the models compiled into the binary (those the built-in patch names).
    public static var builtInNames: [String] { BuiltInModelText.byName.keys.sorted() }

    /// The `.style` text of a compiled-in model, exactly as in `Patches/models` when it was embedded.
    public static func builtInText(_ name: String) -> String? { BuiltInModelText.byName[name] }

    /// A compiled-in model, parsed on first use. Its cache key cannot collide with a file path.
    static func builtIn(_ name: String) throws -> StyleModel {
        guard let text = BuiltInModelText.byName[name] else {
            throw LoadError(description: "no style model '\(name)' is built in (built in: \(builtInNames.joined(separator: ", ")); run Tools/embed-models.py after changing the default patch's models)")
        }
        let key = "built-in:" + name
        if let hit = cache.withLock({ $0[key] }) { return hit }
        let model: StyleModel
        do {
            model = try StyleModel(text: text, file: "built-in model \(name)")
        } catch {
            throw LoadError(description: "built-in style model '\(name)' does not parse: \(error)")
        }
        cache.withLock { $0[key] = model }
        return model
    }

    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }
}
