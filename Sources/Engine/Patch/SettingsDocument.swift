/// A parsed settings file: `[section]` headers and `key = value` lines, `#` comments.
/// Values are quoted strings, numbers or `true`/`false`. Every piece keeps its line and column
/// so a mistake can be reported where it is.
///
/// Why a small format of our own: patch errors must name file, line, column and what was
/// expected, and the file must stay easy to edit by hand on a show laptop.
public struct SettingsDocument: Sendable {
    public enum Value: Sendable, Equatable {
        case string(String)
        case number(Double)
        case bool(Bool)

        var typeName: String {
            switch self {
            case .string: "a string"
            case .number: "a number"
            case .bool: "true or false"
            }
        }
    }

    public struct Entry: Sendable {
        public var key: String
        public var value: Value
        public var line: Int
        public var keyColumn: Int
        public var valueColumn: Int
    }

    public struct Section: Sendable {
        public var name: String
        public var line: Int
        public var column: Int
        public var entries: [Entry]
    }

    public var file: String
    public var sections: [Section]

    /// Parses `text`; syntax errors are collected into `errors`, and parsing goes on so that
    /// one run reports every mistake.
    public init(file: String, text: String, errors: inout [SourceError]) {
        self.file = file
        sections = []
        var current: Section? = nil
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let line = Array(rawLine)
            var i = 0
            func skipSpace() { while i < line.count && (line[i] == " " || line[i] == "\t" || line[i] == "\r") { i += 1 } }
            func error(_ column: Int, _ message: String) {
                errors.append(SourceError(file: file, line: lineNumber, column: column, message: message))
            }
            skipSpace()
            if i == line.count || line[i] == "#" { continue }
            if line[i] == "[" {
                let start = i
                guard let close = line[i...].firstIndex(of: "]") else {
                    error(start + 1, "expected ']' to close the section header")
                    continue
                }
                let name = String(line[(i + 1)..<close]).trimmingSpaces()
                if name.isEmpty { error(start + 2, "expected a section name inside [ ]") }
                i = close + 1
                skipSpace()
                if i < line.count && line[i] != "#" { error(i + 1, "expected end of line after the section header") }
                if let c = current { sections.append(c) }
                current = Section(name: name, line: lineNumber, column: start + 1, entries: [])
                continue
            }
            let keyStart = i
            while i < line.count && (line[i].isLetter || line[i].isNumber || line[i] == "_" || line[i] == "-") { i += 1 }
            if i == keyStart {
                error(keyStart + 1, "expected a key (letters, digits, '_' or '-')")
                continue
            }
            let key = String(line[keyStart..<i])
            skipSpace()
            guard i < line.count && line[i] == "=" else {
                error(i + 1, "expected '=' after '\(key)'")
                continue
            }
            i += 1
            skipSpace()
            let valueStart = i
            var value: Value?
            if i < line.count && line[i] == "\"" {
                var text = ""
                i += 1
                var closed = false
                while i < line.count {
                    if line[i] == "\"" { closed = true; i += 1; break }
                    if line[i] == "\\" && i + 1 < line.count { i += 1 }
                    text.append(line[i])
                    i += 1
                }
                if closed { value = .string(text) } else { error(valueStart + 1, "expected a closing '\"'") }
            } else {
                while i < line.count && line[i] != " " && line[i] != "\t" && line[i] != "#" && line[i] != "\r" { i += 1 }
                let word = String(line[valueStart..<i])
                if word == "true" { value = .bool(true) }
                else if word == "false" { value = .bool(false) }
                else if let n = Double(word), n.isFinite { value = .number(n) }
                else if word.isEmpty { error(valueStart + 1, "expected a value after '='") }
                else { error(valueStart + 1, "expected a number, true/false or a quoted string, found '\(word)'") }
            }
            skipSpace()
            if value != nil && i < line.count && line[i] != "#" {
                error(i + 1, "expected end of line after the value")
                continue
            }
            guard let v = value else { continue }
            let entry = Entry(key: key, value: v, line: lineNumber, keyColumn: keyStart + 1, valueColumn: valueStart + 1)
            if current == nil {
                error(keyStart + 1, "expected a [section] header before '\(key)'")
                continue
            }
            current!.entries.append(entry)
        }
        if let c = current { sections.append(c) }
    }
}

/// A mistake in a file a person wrote, located precisely.
public struct SourceError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "\(file):\(line):\(column): error: \(message)" }
}

/// Every mistake found in one file, reported together.
public struct SourceErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [SourceError]
    public init(errors: [SourceError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
