import Engine

/// A script of OSC messages at given times, for offline renders and (later) live playback.
///
/// One entry per line: `TIME ADDRESS [ARGS...]`, `#` starts a comment.
/// TIME is seconds (`12.5`), minutes and seconds (`1:02.5`), or `+N` seconds after the entry
/// before. Arguments are integers (`i`), decimals (`f`), `true`/`false`, or strings, quoted
/// when they contain spaces. See README "Cue files".
public struct CueList: Sendable {
    public struct Entry: Sendable {
        public var seconds: Double
        public var message: OSCMessage
        public var line: Int
        public var column: Int
    }

    public var file: String
    public var entries: [Entry]

    /// Parses and checks every line; throws `SourceErrors` listing every mistake.
    public init(file: String, text: String) throws(SourceErrors) {
        self.file = file
        entries = []
        var errors: [SourceError] = []
        var previous = 0.0
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            var tokens: [(text: String, column: Int, quoted: Bool)] = []
            let chars = Array(raw)
            var i = 0
            var lineError = false
            func fail(_ column: Int, _ message: String) {
                errors.append(SourceError(file: file, line: lineNumber, column: column, message: message))
                lineError = true
            }
            while i < chars.count {
                if chars[i] == " " || chars[i] == "\t" || chars[i] == "\r" { i += 1; continue }
                if chars[i] == "#" { break }
                let start = i
                if chars[i] == "\"" {
                    i += 1
                    var text = ""
                    while i < chars.count && chars[i] != "\"" { text.append(chars[i]); i += 1 }
                    if i == chars.count { fail(start + 1, "expected a closing '\"'"); break }
                    i += 1
                    tokens.append((text, start + 1, true))
                } else {
                    while i < chars.count && chars[i] != " " && chars[i] != "\t" && chars[i] != "\r" { i += 1 }
                    tokens.append((String(chars[start..<i]), start + 1, false))
                }
            }
            if lineError || tokens.isEmpty { continue }
            guard let seconds = CueList.time(tokens[0].text, after: previous) else {
                fail(tokens[0].column, "expected a time (12.5, 1:02.5 or +2), found '\(tokens[0].text)'")
                continue
            }
            guard tokens.count >= 2, tokens[1].text.hasPrefix("/"), !tokens[1].quoted else {
                fail(tokens.count >= 2 ? tokens[1].column : chars.count + 1, "expected an OSC address starting with '/' after the time")
                continue
            }
            if seconds < previous {
                fail(tokens[0].column, "time \(seconds) s is before the previous entry (\(previous) s); entries must be in order")
                continue
            }
            let arguments = tokens.dropFirst(2).map { t -> OSCArgument in
                if t.quoted { return .string(t.text) }
                if t.text == "true" { return .bool(true) }
                if t.text == "false" { return .bool(false) }
                if let n = Int32(t.text) { return .int(n) }
                if let f = Float(t.text) { return .float(f) }
                return .string(t.text)
            }
            previous = seconds
            entries.append(Entry(seconds: seconds, message: OSCMessage(tokens[1].text, Array(arguments)),
                                 line: lineNumber, column: tokens[1].column))
        }
        if !errors.isEmpty { throw SourceErrors(errors: errors) }
    }

    static func time(_ text: String, after previous: Double) -> Double? {
        if text.hasPrefix("+") {
            guard let d = Double(text.dropFirst()), d.isFinite, d >= 0 else { return nil }
            return previous + d
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 2, let m = Int(parts[0]), m >= 0, let s = Double(parts[1]), s.isFinite, s >= 0, s < 60 {
            return Double(m) * 60 + s
        }
        if parts.count == 1, let s = Double(text), s.isFinite, s >= 0 { return s }
        return nil
    }

    /// Checks every message against a patch's address space and value rules, as the server
    /// would, without playing anything.
    public func check(against patch: Patch) throws(SourceErrors) {
        let router = CommandRouter(store: ParameterStore(patch.initialSteering), agentNames: patch.agents.map(\.spec.name))
        var errors: [SourceError] = []
        for e in entries {
            do {
                _ = try router.route(e.message)
            } catch {
                errors.append(SourceError(file: file, line: e.line, column: e.column, message: "\(e.message.address): \(error.reason)"))
            }
        }
        if !errors.isEmpty { throw SourceErrors(errors: errors) }
    }

    /// The entries as changes at exact frames of a render, applied with the live server's rules.
    public func timedChanges(sampleRate: Double, agentNames: [String]) -> [TimedChange] {
        entries.map { e in
            let message = e.message
            return TimedChange(frame: Int64(e.seconds * sampleRate)) { store in
                _ = CommandRouter(store: store, agentNames: agentNames).handle(message)
            }
        }
    }
}
