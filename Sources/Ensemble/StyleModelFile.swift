import Foundation

/// The `.style` file: versioned plain text a person can read, diff and grep.
///
///     polyphon-style 1
///     role lead
///     order 4
///     bar 16
///     files 1841
///     sequences 1841
///     source fiddle tunes (music21 corpus)
///     table pitch
///     features accent interval-1 interval-2 interval-3 interval-4
///     alphabet -12 -11 ... 12 99
///     context | 2:310 0:120 ...            (the empty context: symbol:count)
///     context 0,2 | 2:40 -1:12 ...         (features in order, most recent step first)
///     end
public struct StyleModelFileError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int
    public var message: String

    /// Public so the held-out tune lists (StyleTraining) report their lines the same way.
    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}

extension StyleModel {
    public static let fileVersion = 1

    public static func load(contentsOf path: String) throws -> StyleModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StyleModelFileError(file: path, line: 0, message: "cannot read the style model file")
        }
        return try StyleModel(text: String(decoding: data, as: UTF8.self), file: path)
    }

    public func write(to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
            throw StyleModelFileError(file: path, line: 0, message: "cannot write the style model file")
        }
    }

    public var text: String {
        var out = "polyphon-style \(Self.fileVersion)\nrole \(role.rawValue)\norder \(order)\nbar \(barSteps)\n"
        out += "files \(files)\nsequences \(sequences)\nsource \(source.replacingOccurrences(of: "\n", with: " "))\n"
        for name in tables.keys.sorted() {
            let t = tables[name]!
            out += "table \(name)\nfeatures \(t.features.joined(separator: " "))\n"
            out += "alphabet \(t.alphabet.map(String.init).joined(separator: " "))\n"
            let keys = t.contexts.keys.sorted { $0.count != $1.count ? $0.count < $1.count : $0.lexicographicallyPrecedes($1) }
            for key in keys {
                let counts = t.contexts[key]!.counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                out += "context \(key.map(String.init).joined(separator: ",")) | "
                out += counts.map { "\($0.key):\($0.value)" }.joined(separator: " ") + "\n"
            }
            out += "end\n"
        }
        return out
    }

    public init(text: String, file: String = "<memory>") throws {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().makeIterator()
        var number = 0
        func fail(_ message: String) -> StyleModelFileError { StyleModelFileError(file: file, line: number, message: message) }
        func next(_ expected: String) throws -> Substring {
            while let (i, line) = lines.next() {
                number = i + 1
                if !line.trimmingCharacters(in: .whitespaces).isEmpty { return line }
            }
            throw fail("expected \(expected), but the file ends")
        }
        func field(_ name: String) throws -> Substring {
            let line = try next("'\(name) ...'")
            guard line.hasPrefix(name + " ") || line == name else { throw fail("expected '\(name) ...', found '\(line.prefix(40))'") }
            return line.dropFirst(name.count).drop { $0 == " " }
        }
        func int(_ name: String) throws -> Int {
            let v = try field(name)
            guard let n = Int(v), n >= 0 else { throw fail("expected a whole number after '\(name)', found '\(v)'") }
            return n
        }
        let magic = try next("'polyphon-style \(Self.fileVersion)'")
        guard magic.hasPrefix("polyphon-style ") else { throw fail("expected 'polyphon-style \(Self.fileVersion)' (a style model file)") }
        guard Int(magic.dropFirst(15)) == Self.fileVersion else {
            throw fail("expected style model version \(Self.fileVersion), found '\(magic.dropFirst(15))'")
        }
        let roleName = try field("role")
        guard let role = Role(rawValue: String(roleName)) else {
            throw fail("expected a role (\(Role.allCases.map(\.rawValue).joined(separator: ", "))), found '\(roleName)'")
        }
        let order = try int("order")
        guard (1...8).contains(order) else { throw fail("expected an order of 1...8, found \(order)") }
        let bar = try int("bar")
        guard (1...64).contains(bar) else { throw fail("expected a bar of 1...64 sixteenths, found \(bar)") }
        let files = try int("files")
        let sequences = try int("sequences")
        let source = String(try field("source"))
        var tables = Self.emptyTables(role: role, order: order)
        var seen: Set<String> = []
        while seen.count < tables.count {
            let name = String(try field("table"))
            guard tables[name] != nil else { throw fail("expected a table of a \(role.rawValue) model (\(tables.keys.sorted().joined(separator: ", "))), found '\(name)'") }
            let features = try field("features").split(separator: " ").map(String.init)
            guard features.count == order + (name == "drums" ? 3 : 1) else {
                throw fail("expected \(order + (name == "drums" ? 3 : 1)) features for order \(order), found \(features.count)")
            }
            var alphabet: [Int] = []
            for word in try field("alphabet").split(separator: " ") {
                guard let s = Int(word) else { throw fail("expected whole-number symbols in the alphabet, found '\(word)'") }
                alphabet.append(s)
            }
            var table = BackoffTable(features: features, alphabet: alphabet)
            while true {
                let line = try next("'context ... | ...' or 'end'")
                if line == "end" { break }
                guard line.hasPrefix("context "), let bar = line.firstIndex(of: "|") else {
                    throw fail("expected 'context FEATURES | SYMBOL:COUNT ...' or 'end', found '\(line.prefix(40))'")
                }
                let keyText = line[line.index(line.startIndex, offsetBy: 8)..<bar].trimmingCharacters(in: .whitespaces)
                var key: [Int] = []
                for word in keyText.split(separator: ",") {
                    guard let f = Int(word) else { throw fail("expected whole-number context features, found '\(word)'") }
                    key.append(f)
                }
                guard key.count <= features.count else { throw fail("expected at most \(features.count) context features, found \(key.count)") }
                var tally = BackoffTable.Tally()
                for pair in line[line.index(after: bar)...].split(separator: " ") {
                    let parts = pair.split(separator: ":")
                    guard parts.count == 2, let s = Int(parts[0]), let c = Int(parts[1]), c > 0 else {
                        throw fail("expected SYMBOL:COUNT with a positive count, found '\(pair)'")
                    }
                    guard table.index[s] != nil else { throw fail("symbol \(s) is not in the table's alphabet") }
                    tally.counts[s] = c
                    tally.total += c
                }
                table.contexts[key] = tally
            }
            tables[name] = table
            seen.insert(name)
        }
        self.init(role: role, order: order, files: files, source: source, sequences: sequences, barSteps: bar, tables: tables)
    }
}
