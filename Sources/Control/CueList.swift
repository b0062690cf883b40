import Engine

/// A script for a whole set: timed OSC messages, ramps, holds for a desk's GO, labels and jumps.
///
/// One item per line, `#` starts a comment:
/// - `TIME ADDRESS [ARGS...]`: a message at TIME.
/// - `TIME ramp LENGTH ADDRESS VALUE`: glide a number from its current value to VALUE over LENGTH.
/// - `label NAME`, `goto NAME [TIMES]` (forever without TIMES), `wait go`.
///
/// TIME is `12.5` or `1:02.5` (seconds from the start of the section), `@5` or `@5:3` (bar 5,
/// beat 3 of the section, bar 1 starting at the first bar line of the section), or relative to
/// the entry before: `+2`, `+2s`, `+4bars`, `+3beats`. LENGTH is `4`, `4s`, `8bars` or `2beats`.
/// A section starts where playback starts, at a label, and when a GO releases a `wait go`.
/// Arguments are integers (`i`), decimals (`f`), `true`/`false`, or strings (quoted for spaces).
public struct CueList: Sendable {
    public typealias Time = CueScript.Time
    public typealias Length = CueScript.Length

    public enum Item: Sendable {
        case message(time: Time, message: OSCMessage)
        case ramp(time: Time, length: Length, address: String, target: Double)
        case label(String)
        case goto(label: String, times: Int?)
        case waitGo
    }

    public struct Entry: Sendable {
        public var item: Item
        public var line: Int
        public var column: Int
    }

    public var file: String
    public var entries: [Entry]

    /// Labels and the index of the entry they name.
    public var labels: [String: Int] {
        var map: [String: Int] = [:]
        for (i, e) in entries.enumerated() { if case .label(let name) = e.item { map[name] = i } }
        return map
    }

    /// Parses every line; throws `SourceErrors` listing every mistake with line and column.
    public init(file: String, text: String) throws(SourceErrors) {
        self.file = file
        entries = []
        var errors: [SourceError] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            let tokens = CueLineTokens(raw)
            if let (column, message) = tokens.error {
                errors.append(SourceError(file: file, line: line, column: column, message: message))
                continue
            }
            if tokens.items.isEmpty { continue }
            do {
                entries.append(try CueList.parse(tokens.items, line: line))
            } catch {
                errors.append(SourceError(file: file, line: line, column: error.column, message: error.message))
            }
        }
        // Jumps must name a label that exists.
        let known = labels
        for e in entries {
            if case .goto(let target, _) = e.item, known[target] == nil {
                errors.append(SourceError(file: file, line: e.line, column: e.column + 5,
                                          message: "no label '\(target)' in this file (labels: \(known.keys.sorted().joined(separator: ", ")))"))
            }
        }
        var seen: Set<String> = []
        for e in entries {
            if case .label(let name) = e.item, !seen.insert(name).inserted {
                errors.append(SourceError(file: file, line: e.line, column: e.column + 6, message: "label '\(name)' is defined twice"))
            }
        }
        if !errors.isEmpty { throw SourceErrors(errors: errors.sorted { ($0.line, $0.column) < ($1.line, $1.column) }) }
    }

    struct LineError: Error {
        var column: Int
        var message: String
    }

    static func parse(_ t: [CueLineTokens.Token], line: Int) throws(LineError) -> Entry {
        let first = t[0]
        switch first.text {
        case "label":
            guard t.count == 2, !t[1].quoted else { throw LineError(column: first.column, message: "expected 'label NAME'") }
            return Entry(item: .label(t[1].text), line: line, column: first.column)
        case "wait":
            guard t.count == 2, t[1].text == "go" else { throw LineError(column: first.column, message: "expected 'wait go'") }
            return Entry(item: .waitGo, line: line, column: first.column)
        case "goto":
            guard t.count == 2 || t.count == 3 else { throw LineError(column: first.column, message: "expected 'goto LABEL [TIMES]'") }
            var times: Int?
            if t.count == 3 {
                guard let n = Int(t[2].text), n >= 1 else {
                    throw LineError(column: t[2].column, message: "expected a number of repeats (1 or more), found '\(t[2].text)'")
                }
                times = n
            }
            return Entry(item: .goto(label: t[1].text, times: times), line: line, column: first.column)
        default:
            break
        }
        guard let time = CueList.time(first.text), !first.quoted else {
            throw LineError(column: first.column, message: "expected a time (12.5, 1:02.5, @5:3, +2, +4bars), 'label', 'goto' or 'wait go', found '\(first.text)'")
        }
        var i = 1
        if t.count > 1 && t[1].text == "ramp" {
            guard t.count == 5 else {
                throw LineError(column: t[i].column, message: "expected 'ramp LENGTH ADDRESS VALUE'")
            }
            guard let length = CueList.length(t[2].text) else {
                throw LineError(column: t[2].column, message: "expected a ramp length (4, 4s, 8bars, 2beats), found '\(t[2].text)'")
            }
            guard t[3].text.hasPrefix("/") else { throw LineError(column: t[3].column, message: "expected an OSC address starting with '/'") }
            guard let target = Double(t[4].text), target.isFinite else {
                throw LineError(column: t[4].column, message: "expected the ramp's target number, found '\(t[4].text)'")
            }
            return Entry(item: .ramp(time: time, length: length, address: t[3].text, target: target), line: line, column: t[3].column)
        }
        guard i < t.count, t[i].text.hasPrefix("/"), !t[i].quoted else {
            throw LineError(column: i < t.count ? t[i].column : first.column + first.text.count + 1,
                            message: "expected an OSC address starting with '/' (or 'ramp') after the time")
        }
        let address = t[i].text
        let column = t[i].column
        i += 1
        let arguments = t[i...].map { token -> OSCArgument in
            if token.quoted { return .string(token.text) }
            if token.text == "true" { return .bool(true) }
            if token.text == "false" { return .bool(false) }
            if let n = Int32(token.text) { return .int(n) }
            // A decimal that a 32-bit float writes back the same way is an OSC 'f'; one that
            // needs more precision (a recorded 'd') stays a double.
            if let f = Float(token.text), f.isFinite {
                if f.description == token.text || !(Double(token.text).map { $0.isFinite } ?? false) { return .float(f) }
                if let d = Double(token.text) { return .double(d) }
            }
            return .string(token.text)
        }
        return Entry(item: .message(time: time, message: OSCMessage(address, Array(arguments))), line: line, column: column)
    }

    static func time(_ text: String) -> Time? {
        if text.hasPrefix("+") {
            let body = String(text.dropFirst())
            if let l = length(body) {
                switch l {
                case .seconds(let s): return .afterSeconds(s)
                case .beats(let b): return .afterBeats(b)
                }
            }
            return nil
        }
        if text.hasPrefix("@") {
            let parts = text.dropFirst().split(separator: ":", omittingEmptySubsequences: false)
            guard let bar = Int(parts[0]), bar >= 1, parts.count <= 2 else { return nil }
            var beat = 1.0
            if parts.count == 2 {
                guard let b = Double(parts[1]), b >= 1, b.isFinite else { return nil }
                beat = b
            }
            return .bar(bar, beat: beat)
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 2, let m = Int(parts[0]), m >= 0, let s = Double(parts[1]), s.isFinite, s >= 0, s < 60 {
            return .seconds(Double(m) * 60 + s)
        }
        if parts.count == 1, let s = Double(text), s.isFinite, s >= 0 { return .seconds(s) }
        return nil
    }

    static func length(_ text: String) -> Length? {
        for (suffix, beatsPer) in [("bars", 4.0), ("bar", 4.0), ("beats", 1.0), ("beat", 1.0)] where text.hasSuffix(suffix) {
            guard let n = Double(text.dropLast(suffix.count)), n.isFinite, n >= 0 else { return nil }
            return .beats(n * beatsPer)
        }
        let body = text.hasSuffix("s") ? String(text.dropLast()) : text
        guard let n = Double(body), n.isFinite, n >= 0 else { return nil }
        return .seconds(n)
    }

    /// Checks every message and ramp against a patch's address space and value rules, as the
    /// server would, without playing anything. Jumps were checked when parsing.
    public func check(against patch: Patch) throws(SourceErrors) {
        _ = try compile(agentNames: patch.agents.map(\.spec.name), steering: patch.initialSteering)
    }

    /// Checks against a band's agents, on a scratch copy of `steering` (nothing live changes).
    public func check(agentNames: [String], steering: Steering) throws(SourceErrors) {
        _ = try compile(agentNames: agentNames, steering: steering)
    }

    /// Turns every entry into typed commands for a band with these agents, checking each as the
    /// server would; throws every mistake with line and column.
    public func compile(agentNames: [String], steering: Steering) throws(SourceErrors) -> CueScript {
        let router = CommandRouter(store: ParameterStore(steering), agentNames: agentNames)
        var errors: [SourceError] = []
        var script: [CueScript.Entry] = []
        for e in entries {
            let text = CueList.describe(e)
            do throws(Rejection) {
                switch e.item {
                case .message(let time, let message):
                    guard case .commands(let commands) = try router.prepare(message) else {
                        throw Rejection(message.address, "cannot be sent from a cue file (queries, patch and cue requests are for controllers)")
                    }
                    script.append(CueScript.Entry(item: .commands(time: time, commands), line: e.line, text: text))
                case .ramp(let time, let length, let address, let target):
                    let (declared, agent) = ControlTable.declared(address)
                    guard router.currentValue(of: address) != nil, let index = ControlTable.index(of: declared),
                          ControlTable.all[index].access.writable else {
                        throw Rejection(address, "cannot be ramped; ramps take any number setting, such as /polyphon/tempo, /polyphon/density or /polyphon/agent/NAME/gain")
                    }
                    _ = try router.prepare(OSCMessage(address, [.double(target)]))
                    let ramp = Ramp(control: index, agent: agent, target: target, length: length)
                    script.append(CueScript.Entry(item: .ramp(time: time, ramp), line: e.line, text: text))
                case .label(let name):
                    script.append(CueScript.Entry(item: .label(name), line: e.line, text: text))
                case .goto(let label, let times):
                    script.append(CueScript.Entry(item: .goto(label: label, times: times), line: e.line, text: text))
                case .waitGo:
                    script.append(CueScript.Entry(item: .waitGo, line: e.line, text: text))
                }
            } catch {
                errors.append(SourceError(file: file, line: e.line, column: e.column, message: "\(error.address): \(error.reason)"))
            }
        }
        if !errors.isEmpty { throw SourceErrors(errors: errors) }
        return CueScript(file: file, entries: script)
    }

    static func describe(_ e: Entry) -> String {
        switch e.item {
        case .message(_, let m): "line \(e.line): \(m)"
        case .ramp(_, _, let address, let target): "line \(e.line): ramp \(address) to \(target)"
        case .label(let name): "line \(e.line): label \(name)"
        case .goto(let name, _): "line \(e.line): goto \(name)"
        case .waitGo: "line \(e.line): wait go"
        }
    }
}

/// The words of one cue-file line, with their columns; quoted strings keep their spaces.
struct CueLineTokens {
    struct Token {
        var text: String
        var column: Int
        var quoted: Bool
    }

    var items: [Token] = []
    var error: (Int, String)?

    init(_ raw: Substring) {
        let chars = Array(raw)
        var i = 0
        while i < chars.count {
            if chars[i] == " " || chars[i] == "\t" || chars[i] == "\r" { i += 1; continue }
            if chars[i] == "#" { break }
            let start = i
            if chars[i] == "\"" {
                i += 1
                var text = ""
                while i < chars.count && chars[i] != "\"" { text.append(chars[i]); i += 1 }
                if i == chars.count {
                    error = (start + 1, "expected a closing '\"'")
                    return
                }
                i += 1
                items.append(Token(text: text, column: start + 1, quoted: true))
            } else {
                while i < chars.count && chars[i] != " " && chars[i] != "\t" && chars[i] != "\r" { i += 1 }
                items.append(Token(text: String(chars[start..<i]), column: start + 1, quoted: false))
            }
        }
    }
}
