import Engine
import Foundation

/// A folder that names sent over the network resolve in: the patch folder, the cue folder.
///
/// A controller names a file ("ambient.patch", "act2/set.cue"); it never reaches outside the
/// folder: no `..` out of it, no absolute path elsewhere, no symlink that leads out (the path
/// is resolved with `realpath` and must still lie inside). Anything else is refused without
/// saying what is there.
public struct ShowFolder: Sendable {
    /// What the folder holds, for messages: "patch", "cue".
    public let kind: String
    /// The folders, resolved.
    public let roots: [String]

    public init(kind: String, roots: [String]) {
        self.kind = kind
        self.roots = roots.compactMap(ShowFolder.realPath)
    }

    public struct Refusal: Error, Sendable { public var reason: String }

    /// The real path of `name` inside one of the folders.
    public func resolve(_ name: String) throws(Refusal) -> String {
        let refusal = Refusal(reason: "'\(ShowFolder.printable(name))' is not a \(kind) file in the \(kind) folder")
        guard !name.isEmpty, name.utf8.count < 1024, !name.contains("\0") else { throw refusal }
        for root in roots {
            let candidate = name.hasPrefix("/") ? name : root + "/" + name
            guard let real = ShowFolder.realPath(candidate), real.hasPrefix(root + "/") else { continue }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: real, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            return real
        }
        throw refusal
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// A parser's message with every quoted or bracketed stretch that comes from `source` (the
    /// offending line) replaced by "…"; the parser's own words ('wait go') stay.
    static func blanked(_ message: String, source: Substring = "") -> String {
        var out = "", quoted = "", closing: Character?
        for c in message {
            if let end = closing {
                if c == end {
                    out += quoted.isEmpty || source.contains(quoted) || source.isEmpty ? "…" : quoted
                    out.append(c)
                    closing = nil
                    quoted = ""
                } else {
                    quoted.append(c)
                }
                continue
            }
            out.append(c)
            switch c {
            case "'": closing = "'"
            case "\"": closing = "\""
            case "[": closing = "]"
            default: break
            }
        }
        if closing != nil { out += "…" }
        return out
    }

    /// A name as it may be echoed back: printable ASCII, at most 64 characters.
    public static func printable(_ name: String) -> String {
        let clean = String(name.unicodeScalars.map { $0.isASCII && $0.value >= 32 && $0.value < 127 ? Character($0) : "?" })
        return clean.count > 64 ? String(clean.prefix(64)) + "…" : clean
    }
}

extension SourceErrors {
    /// What a controller is told about a file with errors: where each is and what was
    /// expected, never the file's content (the file named could hold anything; the server log
    /// has the full text). From each message, what was found, and anything quoted or any word
    /// that also occurs in the file, are taken out; the parser's own words stay.
    public static func summary(_ errors: [SourceError], file shown: String, text: String) -> String {
        let name = ShowFolder.printable(shown)
        let separators = CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: "=:,;()'\"[]"))
        let fileWords = Set(text.components(separatedBy: separators).filter { !$0.isEmpty })
        let items = errors.prefix(5).map { e -> String in
            var message = e.message
            for cut in [", found", ", got", " found "] {
                if let r = message.range(of: cut) { message = String(message[..<r.lowerBound]) }
            }
            message = ShowFolder.blanked(message, source: Substring(text))
            message = message.split(separator: " ").map { word -> String in
                let parts = String(word).components(separatedBy: separators).filter { !$0.isEmpty }
                return parts.contains(where: fileWords.contains) ? "…" : String(word)
            }.joined(separator: " ")
            return "\(name):\(e.line):\(e.column): \(message)"
        }
        let more = errors.count > 5 ? "; and \(errors.count - 5) more" : ""
        return items.joined(separator: "; ") + more + " (the server log has the details)"
    }
}
