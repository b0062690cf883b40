import Realtime
import Engine
import Music
import Synchronization

/// Why a message was refused; sent back to its sender as `/polyphon/error ADDRESS REASON`.
public struct Rejection: Error, Sendable, Equatable {
    public var address: String
    public var reason: String

    public init(_ address: String, _ reason: String) {
        self.address = address
        self.reason = reason
    }

    public var reply: OSCMessage { OSCMessage("/polyphon/error", [.string(address), .string(reason)]) }
}

/// What a validated message asks for. Nothing has happened yet when the router returns it.
public enum PreparedCommand: Sendable, Equatable {
    /// Settings for the conductor to apply together (empty: a button's release, ignored).
    case commands([Command])
    /// A question answered to the sender from the latest snapshot.
    case query(Query)
    /// A patch file to switch to (a name in the patch folder).
    case patch(String)
    /// Cue playback: load, GO, goto, stop, pause.
    case cue(CueRequest)

    public enum Query: Sendable, Equatable { case status, ping }
}

/// A request for the cue deck.
public enum CueRequest: Sendable, Equatable {
    case load(String), go, goto(String), stop, pause
}

/// Turns OSC messages into typed, validated commands, by the rules the control table declares.
///
/// Every message is validated completely before anything changes: a bad message is refused
/// with a reason and never leaves the state half-changed. The live server, cue files, mapping
/// files and tests share these rules. The router holds no state of the show: it reads the
/// published steering (for mood names and instruments) and the agents of the patch playing.
public final class CommandRouter: Sendable {
    /// The published steering (in tests and tools without a conductor, also where commands land).
    public let store: ParameterStore
    /// The band's agents and every concrete address; replaced when the patch changes.
    private let space: Guarded<(agents: [String], addresses: [String])>

    public var agentNames: [String] { space.withLock { $0.agents } }
    /// Every concrete address, for pattern matching (`/polyphon/agent/*/mute`).
    public var addresses: [String] { space.withLock { $0.addresses } }

    public init(store: ParameterStore, agentNames: [String]) {
        self.store = store
        space = Guarded((agentNames, CommandRouter.addressSpace(agentNames, steering: store.read())))
    }

    /// A new patch's agents (a live patch switch), with the instruments they play.
    public func reconfigure(agentNames: [String], steering: Steering? = nil) {
        let s = steering ?? store.read()
        space.withLock { $0 = (agentNames, CommandRouter.addressSpace(agentNames, steering: s)) }
    }

    /// Every concrete address of the table for these agents, `/norm` included.
    static func addressSpace(_ agentNames: [String], steering s: Steering) -> [String] {
        var all: [String] = []
        for spec in ControlTable.all where spec.kind != .session || spec.address.hasPrefix("/polyphon/cue") {
            switch spec.scope {
            case .band:
                all.append(spec.address)
            case .agent:
                for name in agentNames { all.append(spec.address(agent: name)) }
            case .sound(let family, _):
                for name in agentNames where (s.agents.first { $0.name == name }?.instrument ?? "subtractive") == family {
                    all.append(spec.address(agent: name))
                }
            }
        }
        // Every continuous setting also takes 0...1 on ADDRESS/norm, for an unconfigured fader.
        all += all.filter { a in
            guard let spec = ControlTable.spec(ControlTable.declared(a).address) else { return false }
            return spec.kind == .number && spec.access.writable && spec.faderRange != nil
        }.map { $0 + "/norm" }
        return all
    }

    /// The current value of a number control (the start of a ramp, a mapping's feedback), or nil
    /// if `address` is not one.
    public func currentValue(of address: String) -> Double? {
        let (declared, agent) = ControlTable.declared(address)
        guard let spec = ControlTable.spec(declared), spec.kind == .number else { return nil }
        let s = store.read()
        let index = agent.flatMap { name in s.agents.firstIndex { $0.name == name } }
        if spec.scope != .band && index == nil { return nil }
        return spec.value(in: s, agent: index)?.number
    }

    /// Handles one message in a place with no conductor (tools, tests): commands apply to the
    /// store at once. Returns the replies for its sender (status, pong or an error).
    public func handle(_ message: OSCMessage) -> [OSCMessage] {
        do {
            return try route(message)
        } catch {
            return [error.reply]
        }
    }

    /// Validates and applies to the store (no conductor); throws without touching it on any mistake.
    public func route(_ message: OSCMessage) throws(Rejection) -> [OSCMessage] {
        switch try prepare(message) {
        case .commands(let commands):
            store.update { s in for c in commands { c.apply(to: &s) } }
            return []
        case .query(.status):
            return [StatusReply(steering: store.read(), agentNames: agentNames, figures: LiveFigures()).message]
        case .query(.ping):
            return [OSCMessage("/polyphon/pong")]
        case .patch:
            throw Rejection(message.address, "switching patches is not available here")
        case .cue:
            throw Rejection(message.address, "cue playback is not available here")
        }
    }

    /// Validates a message completely and says what it will do, changing nothing. A pattern
    /// that reaches several addresses becomes one set of commands that sets them all.
    public func prepare(_ message: OSCMessage) throws(Rejection) -> PreparedCommand {
        let targets: [String]
        let known = addresses
        if OSCPattern.isPattern(message.address) {
            targets = known.filter { OSCPattern.matches(message.address, $0) }
        } else {
            targets = known.contains(message.address) ? [message.address] : []
        }
        guard !targets.isEmpty else { throw Rejection(message.address, unknownReason(message.address)) }
        let steering = store.read()
        if targets.count == 1, let special = try prepareSpecial(targets[0], message) { return special }
        var commands: [Command] = []
        for t in targets {
            let norm = t.hasSuffix("/norm")
            let (declared, agent) = ControlTable.declared(norm ? String(t.dropLast(5)) : t)
            guard let index = ControlTable.index(of: declared) else { continue }
            let spec = ControlTable.all[index]
            guard spec.access.writable else {
                // A pattern sets what it can set; a read-only address named alone is refused.
                if targets.count > 1 { continue }
                throw Rejection(message.address, "read-only: \(t) is shown to controllers, not set by them")
            }
            guard spec.isSetting, spec.kind != .text || spec.parse != nil else { continue }   // queries and files: alone only
            if let value = try validate(message, for: spec, norm: norm, steering: steering) {
                commands.append(Command(control: index, agent: agent, value: value))
            }
        }
        return .commands(commands)
    }

    /// Queries, files and cue requests: one address at a time, never through a pattern.
    private func prepareSpecial(_ target: String, _ m: OSCMessage) throws(Rejection) -> PreparedCommand? {
        switch target {
        case "/polyphon/status": return .query(.status)
        case "/polyphon/ping": return .query(.ping)
        case "/polyphon/patch":
            try count(m, 1, "s: a patch file name")
            return .patch(try string(m, 0))
        case "/polyphon/cue/load":
            try count(m, 1, "s: a cue file name")
            return .cue(.load(try string(m, 0)))
        case "/polyphon/cue/goto":
            try count(m, 1, "s: a label")
            return .cue(.goto(try string(m, 0)))
        case "/polyphon/cue/go", "/polyphon/cue/stop", "/polyphon/cue/pause":
            // A desk's GO button sends 1 on press and 0 on release: only the press counts.
            if let first = m.arguments.first, let v = first.number, v < 0.5 { return .commands([]) }
            return .cue(target.hasSuffix("go") ? .go : target.hasSuffix("stop") ? .stop : .pause)
        default:
            return nil
        }
    }

    /// The value a message carries for `spec`, checked against its declared type and range;
    /// nil for a button's release.
    private func validate(_ m: OSCMessage, for spec: ControlSpec, norm: Bool, steering: Steering) throws(Rejection) -> ControlValue? {
        if norm {
            try count(m, 1, "f: 0...1")
            let x = try number(m, 0, 0...1)
            guard let v = spec.denormalize(x) else { throw Rejection(m.address, "unknown address") }
            let r = spec.range ?? v...v
            return .number(min(r.upperBound, max(r.lowerBound, v)))
        }
        switch spec.kind {
        case .number:
            let range = spec.range ?? -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude
            let unset = spec.types.contains("N")
            try count(m, 1, describe(spec) + (unset ? ", or N to follow the band" : ""))
            if unset, case .null = m.arguments[0] { return .unset }
            if case .string(let text) = m.arguments[0], let parsed = spec.parse(text, in: steering) {
                return try unwrap(parsed, m.address)
            }
            return .number(try number(m, 0, range, percent: spec.level))
        case .toggle:
            try count(m, 1, "i, f or T/F")
            return .flag(try number(m, 0, 0...1) >= 0.5)
        case .trigger:
            // A TouchOSC button sends 1 on press and 0 on release: only the press triggers.
            if let first = m.arguments.first, let v = first.number, v < 0.5 { return nil }
            return .trigger
        case .text:
            try count(m, 1, "s: \(spec.summary)")
            let text = try string(m, 0)
            guard let parsed = spec.parse(text, in: steering) else { return .text(text) }
            return try unwrap(parsed, m.address)
        case .pair:
            let first = spec.range ?? 0...1, second = spec.secondRange ?? first
            try count(m, 2, "ff: \(spec.summary)")
            return .pair(try number(m, 0, first), try number(m, 1, second))
        case .query, .session:
            return nil
        }
    }

    private func unwrap(_ r: Result<ControlValue, ControlError>, _ address: String) throws(Rejection) -> ControlValue {
        switch r {
        case .success(let v): return v
        case .failure(let e): throw Rejection(address, e.reason)
        }
    }

    private func describe(_ spec: ControlSpec) -> String {
        guard let r = spec.range else { return "f" }
        let unit = spec.unit.isEmpty ? "" : " \(spec.unit)"
        return "f: \(r.lowerBound)...\(r.upperBound)\(unit)" + (spec.level ? " or i: 0...100" : "")
    }

    private func unknownReason(_ address: String) -> String {
        if address.hasPrefix("/polyphon/agent/") {
            let parts = address.split(separator: "/")
            let names = agentNames
            if parts.count >= 3, !names.contains(String(parts[2])), !OSCPattern.isPattern(address) {
                return "unknown agent '\(parts[2])'; this patch has: \(names.joined(separator: ", "))"
            }
            // A sound parameter the agent's instrument doesn't have: say which it has.
            if parts.count == 5, parts[3] == "sound", !OSCPattern.isPattern(address) {
                let name = String(parts[2])
                let family = store.read().agents.first { $0.name == name }?.instrument ?? "subtractive"
                let known = SoundParameter.of(family: family).map(\.name)
                return known.isEmpty
                    ? "agent '\(name)' plays a \(family) instrument, which has no live sound parameters"
                    : "agent '\(name)' plays a \(family) instrument; expected one of \(known.joined(separator: ", "))"
            }
        }
        return OSCPattern.isPattern(address) ? "pattern matches no address" : "unknown address"
    }

    // MARK: Arguments

    private func count(_ m: OSCMessage, _ n: Int, _ types: String) throws(Rejection) {
        guard m.arguments.count == n else {
            throw Rejection(m.address, "expects \(n) argument\(n == 1 ? "" : "s") (\(types)), got \(m.arguments.count)\(m.arguments.isEmpty ? "" : " (\(m.typeTags))")")
        }
    }

    /// A finite number in `range`. `percent`: an integer is read as 0...100 (ChamSys levels).
    private func number(_ m: OSCMessage, _ index: Int, _ range: ClosedRange<Double>, percent: Bool = false) throws(Rejection) -> Double {
        let arg = m.arguments[index]
        guard var v = arg.number else {
            throw Rejection(m.address, "argument \(index + 1) must be a number (i or f), got '\(arg.tag)'")
        }
        guard v.isFinite else { throw Rejection(m.address, "argument \(index + 1) is not a finite number (\(v))") }
        if percent && arg.isInteger {
            guard (0...100).contains(v) else { throw Rejection(m.address, "integer level out of range 0...100, found \(Int(v))") }
            v = range.lowerBound + v / 100 * (range.upperBound - range.lowerBound)
        }
        guard range.contains(v) else {
            throw Rejection(m.address, "out of range \(range.lowerBound)...\(range.upperBound), found \(v)")
        }
        return v
    }

    private func string(_ m: OSCMessage, _ index: Int) throws(Rejection) -> String {
        guard case .string(let s) = m.arguments[index] else {
            throw Rejection(m.address, "argument \(index + 1) must be a string (s), got '\(m.arguments[index].tag)'")
        }
        return s
    }
}
