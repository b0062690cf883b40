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

/// Cue playback as the OSC surface sees it: `/polyphon/cue/{load,go,goto,stop,pause}`.
public protocol CueDeck: AnyObject, Sendable {
    /// Loads and checks a cue file, replacing the current one only if it has no errors.
    func load(path: String) throws(Rejection)
    func go()
    func goto(label: String) throws(Rejection)
    func stop()
    func pause()
    /// The cue that fired last and the one that comes next, as an operator reads them.
    var position: (current: String, next: String) { get }
}

/// What a validated message will do.
public enum PreparedCommand {
    /// A change of the steering state.
    case change(@Sendable (inout Steering) -> Void)
    /// Replies for the sender (status, pong), computed when answered, so a query answers after
    /// the sender's earlier changes have landed.
    case query(@Sendable () -> [OSCMessage])
    /// A transport action on the cue deck.
    case action(@Sendable () -> Void)
}

/// Live figures the status reply carries but the parameter store doesn't hold.
public struct LiveFigures: Sendable {
    public var load: Double = 0
    public var xruns = 0
    public var voices = 0
    public var uptime: Double = 0
    public var audioRunning = false
    public var conductor = ConductorSnapshot()
    public var oscReceived = 0
    public var oscRejected = 0
    public var oscMalformed = 0
    public var lateChanges = 0
    /// Milliseconds from a message's arrival to the sample it changes, on the audio clock.
    public var latencyMs: Double = 0
    public var worstLatencyMs: Double = 0
    public var patch = ""
    public var clock: Int64 = 0
    public var period = 0
    public var lookahead: Int64 = 0
    public var lastTimedFrame: Int64 = -1
    public var jackFrameOffset: Int64 = 0

    public init() {}
}

/// Turns OSC messages into changes of the parameter store, or into replies.
///
/// Every message is validated completely before anything changes, and the change is applied in
/// one atomic update of the store: a bad message never leaves the state half-changed. Used by
/// the live OSC server and, with the same rules, by cue files.
public final class CommandRouter: Sendable {
    public let store: ParameterStore
    let figures: @Sendable () -> LiveFigures
    /// Cue playback, when this router drives a live server.
    let deck: (any CueDeck)?
    /// Loads and switches to a patch file (`/polyphon/patch s:path`), when live; set once at start.
    public var patchLoader: (@Sendable (String) throws(Rejection) -> Void)? {
        get { loader.withLock { $0 } }
        set { loader.withLock { $0 = newValue } }
    }
    private let loader = Mutex<(@Sendable (String) throws(Rejection) -> Void)?>(nil)
    /// The band's agents and every concrete address; replaced when the patch changes.
    private let space: Mutex<(agents: [String], addresses: [String])>

    var agentNames: [String] { space.withLock { $0.agents } }
    /// Every concrete address, for pattern matching (`/polyphon/agent/*/mute`).
    public var addresses: [String] { space.withLock { $0.addresses } }

    public init(store: ParameterStore, agentNames: [String], deck: (any CueDeck)? = nil,
                figures: @escaping @Sendable () -> LiveFigures = { LiveFigures() }) {
        self.store = store
        self.deck = deck
        self.figures = figures
        space = Mutex((agentNames, CommandRouter.addressSpace(agentNames, store: store)))
    }

    /// A new patch's agents (a live patch switch).
    public func reconfigure(agentNames: [String]) {
        space.withLock { $0 = (agentNames, CommandRouter.addressSpace(agentNames, store: store)) }
    }

    static func addressSpace(_ agentNames: [String], store: ParameterStore) -> [String] {
        var all = CommandRouter.bandAddresses
        let agents = store.read().agents
        for name in agentNames {
            for p in CommandRouter.agentParameters { all.append("/polyphon/agent/\(name)/\(p)") }
            // The live sound parameters of the agent's instrument.
            let family = agents.first { $0.name == name }?.instrument ?? "subtractive"
            for p in SoundParameter.of(family: family) { all.append("/polyphon/agent/\(name)/sound/\(p.name)") }
        }
        // Every continuous parameter also takes 0...1 on ADDRESS/norm, for an unconfigured fader.
        all += all.filter { Mapping.range(of: $0) != nil && $0 != "/polyphon/tempo" }.map { $0 + "/norm" }
        return all
    }

    static let bandAddresses = [
        "/polyphon/tempo", "/polyphon/tempo/norm", "/polyphon/density", "/polyphon/mood", "/polyphon/mood/xy",
        "/polyphon/mood/valence", "/polyphon/mood/arousal", "/polyphon/mood/glide", "/polyphon/tempo/ramp",
        "/polyphon/player/follow", "/polyphon/player/pause", "/polyphon/key", "/polyphon/master/gain",
        "/polyphon/transport/play", "/polyphon/transport/stop", "/polyphon/panic", "/polyphon/status", "/polyphon/ping",
        "/polyphon/cue/load", "/polyphon/cue/go", "/polyphon/cue/goto", "/polyphon/cue/stop", "/polyphon/cue/pause",
        "/polyphon/patch",
        "/polyphon/reverb/size", "/polyphon/reverb/damping", "/polyphon/delay/feedback", "/polyphon/delay/division",
        "/polyphon/compressor/threshold", "/polyphon/compressor/ratio",
    ]
    /// Band-level addresses a cue-file ramp can glide.
    public static let rampable = ["/polyphon/tempo", "/polyphon/density", "/polyphon/master/gain",
                                  "/polyphon/mood/valence", "/polyphon/mood/arousal"]

    /// The current value of a continuous parameter (the start of a ramp), or nil if `address`
    /// is not one.
    public func currentValue(of address: String) -> Double? {
        let s = store.read()
        switch address {
        case "/polyphon/tempo": return s.tempo
        case "/polyphon/density": return s.density
        case "/polyphon/master/gain": return s.masterGain
        case "/polyphon/reverb/size": return s.effects.reverbSize
        case "/polyphon/reverb/damping": return s.effects.reverbDamping
        case "/polyphon/delay/feedback": return s.effects.delayFeedback
        case "/polyphon/compressor/threshold": return s.effects.compressorThreshold
        case "/polyphon/compressor/ratio": return s.effects.compressorRatio
        case "/polyphon/mood/valence": return s.mood.valence
        case "/polyphon/mood/arousal": return s.mood.arousal
        default:
            let parts = address.split(separator: "/").map(String.init)
            guard parts.count == 4, parts[1] == "agent", let i = agentNames.firstIndex(of: parts[2]) else { return nil }
            switch parts[3] {
            case "gain": return s.agents[i].gain
            case "pan": return s.agents[i].pan
            case "density": return s.agents[i].density ?? s.density
            case "reverb": return s.agents[i].reverb
            case "delay": return s.agents[i].delay
            case "morph": return s.agents[i].morph
            default: return nil
            }
        }
    }
    static let agentParameters = ["mute", "solo", "gain", "pan", "density", "reverb", "delay", "morph"]

    /// Handles one message. Returns the replies for its sender (status, pong or an error).
    public func handle(_ message: OSCMessage) -> [OSCMessage] {
        do {
            return try route(message)
        } catch {
            return [error.reply]
        }
    }

    /// Validates and applies; throws without touching the store on any mistake.
    public func route(_ message: OSCMessage) throws(Rejection) -> [OSCMessage] {
        switch try prepare(message) {
        case .change(let change):
            store.update { change(&$0) }
            return []
        case .query(let answer):
            return answer()
        case .action(let action):
            action()
            return []
        }
    }

    /// Validates a message completely and says what it will do, changing nothing yet. A pattern
    /// that reaches several addresses becomes one change that sets them all.
    public func prepare(_ message: OSCMessage) throws(Rejection) -> PreparedCommand {
        let targets: [String]
        let known = addresses
        if OSCPattern.isPattern(message.address) {
            targets = known.filter { OSCPattern.matches(message.address, $0) }
        } else {
            targets = known.contains(message.address) ? [message.address] : []
        }
        guard !targets.isEmpty else {
            throw Rejection(message.address, unknownReason(message.address))
        }
        if targets == ["/polyphon/status"] { return .query { [self] in [statusReply()] } }
        if targets == ["/polyphon/ping"] { return .query { [OSCMessage("/polyphon/pong")] } }
        if targets.count == 1, targets[0].hasPrefix("/polyphon/cue/") { return try cueAction(targets[0], message) }
        if targets == ["/polyphon/patch"] {
            guard let patchLoader else { throw Rejection(message.address, "switching patches is not available here") }
            try count(message, 1, "s: a patch file path")
            let path = try string(message, 0)
            try patchLoader(path)
            return .action {}
        }
        var changes: [@Sendable (inout Steering) -> Void] = []
        for t in targets where t != "/polyphon/status" && t != "/polyphon/ping" && t != "/polyphon/patch" && !t.hasPrefix("/polyphon/cue/") {
            changes.append(try change(for: t, message))
        }
        let all = changes
        return .change { s in for c in all { c(&s) } }
    }

    private func cueAction(_ target: String, _ m: OSCMessage) throws(Rejection) -> PreparedCommand {
        guard let deck else { throw Rejection(m.address, "cue playback is not available here") }
        // A desk's GO button sends 1 on press and 0 on release: only the press counts.
        if target != "/polyphon/cue/load" && target != "/polyphon/cue/goto",
           let first = m.arguments.first, let v = first.number, v < 0.5 {
            return .action {}
        }
        switch target {
        case "/polyphon/cue/load":
            try count(m, 1, "s: a cue file path")
            let path = try string(m, 0)
            try deck.load(path: path)
            return .action {}
        case "/polyphon/cue/goto":
            try count(m, 1, "s: a label")
            let label = try string(m, 0)
            try deck.goto(label: label)
            return .action {}
        case "/polyphon/cue/go": return .action { deck.go() }
        case "/polyphon/cue/stop": return .action { deck.stop() }
        default: return .action { deck.pause() }
        }
    }

    private func unknownReason(_ address: String) -> String {
        if address.hasPrefix("/polyphon/agent/") {
            let parts = address.split(separator: "/")
            if parts.count >= 3, !agentNames.contains(String(parts[2])), !OSCPattern.isPattern(address) {
                return "unknown agent '\(parts[2])'; this patch has: \(agentNames.joined(separator: ", "))"
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

    // MARK: Validation

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
            guard (0...100).contains(v) else { throw Rejection(m.address, "integer level \(Int(v)) is out of range 0...100") }
            v = v / 100 * range.upperBound
        }
        guard range.contains(v) else {
            throw Rejection(m.address, "\(v) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }

    private func string(_ m: OSCMessage, _ index: Int) throws(Rejection) -> String {
        guard case .string(let s) = m.arguments[index] else {
            throw Rejection(m.address, "argument \(index + 1) must be a string (s), got '\(m.arguments[index].tag)'")
        }
        return s
    }

    private func flag(_ m: OSCMessage) throws(Rejection) -> Bool {
        try count(m, 1, "i, f or T/F")
        return try number(m, 0, 0...1) >= 0.5
    }

    private func change(for target: String, _ m: OSCMessage) throws(Rejection) -> @Sendable (inout Steering) -> Void {
        switch target {
        case "/polyphon/tempo":
            try count(m, 1, "f: BPM")
            let v = try number(m, 0, Steering.tempoRange)
            return { $0.tempo = v.clamped(to: $0.limits.tempo); $0.tempoRampBeats = 0 }
        case "/polyphon/tempo/ramp":
            try count(m, 2, "ff: target BPM, bars to get there")
            let v = try number(m, 0, Steering.tempoRange)
            let bars = try number(m, 1, 0...256)
            // Beats, in 4/4: the conductor steps the tempo on every beat of the ramp.
            return { $0.tempo = v.clamped(to: $0.limits.tempo); $0.tempoRampBeats = Int((bars * 4).rounded()) }
        case "/polyphon/mood/glide":
            try count(m, 1, "f: seconds 0...300")
            let v = try number(m, 0, 0...300)
            return { $0.moodGlide = v }
        case "/polyphon/player/follow":
            let on = try flag(m)
            return { $0.followPlayer = on }
        case "/polyphon/player/pause":
            try count(m, 1, "f: beats 0.5...16")
            let v = try number(m, 0, 0.5...16)
            return { $0.playerPause = v }
        case "/polyphon/tempo/norm":
            try count(m, 1, "f: 0...1")
            let v = try number(m, 0, 0...1)
            return { $0.tempo = (40 + v * 180).clamped(to: $0.limits.tempo); $0.tempoRampBeats = 0 }
        case "/polyphon/density":
            try count(m, 1, "f: 0...1 or i: 0...100")
            let v = try number(m, 0, 0...1, percent: true)
            return { $0.density = v.clamped(to: $0.limits.density) }
        case "/polyphon/mood":
            try count(m, 1, "s: a mood name")
            let name = try string(m, 0)
            let known = store.read()
            guard let mood = known.mood(named: name) else {
                throw Rejection(m.address, "unknown mood '\(name)'; expected one of \(known.moodNames.joined(separator: ", "))")
            }
            return { $0.mood = mood; $0.modeOverride = nil }
        case "/polyphon/mood/xy":
            try count(m, 2, "ff: valence, arousal 0...1")
            let x = try number(m, 0, 0...1), y = try number(m, 1, 0...1)
            return { $0.mood = Mood(valence: x * 2 - 1, arousal: y * 2 - 1); $0.modeOverride = nil }
        case "/polyphon/mood/valence":
            try count(m, 1, "f: -1...1")
            let v = try number(m, 0, -1...1)
            return { $0.mood = Mood(valence: v, arousal: $0.mood.arousal); $0.modeOverride = nil }
        case "/polyphon/mood/arousal":
            try count(m, 1, "f: -1...1")
            let v = try number(m, 0, -1...1)
            return { $0.mood = Mood(valence: $0.mood.valence, arousal: v) }
        case "/polyphon/key":
            try count(m, 1, "s: a key such as \"D\" or \"D dorian\"")
            let text = try string(m, 0)
            guard let key = Key(parsing: text) else {
                throw Rejection(m.address, "cannot read key '\(text)'; expected a tonic (C, F#, Bb...) and an optional mode")
            }
            let pinned = text.contains(" ")
            return { $0.tonic = key.tonic; if pinned { $0.modeOverride = key.mode } }
        case "/polyphon/master/gain":
            try count(m, 1, "f: 0...2 or i: 0...100")
            let v = try number(m, 0, Steering.gainRange, percent: true)
            return { $0.masterGain = v }
        case "/polyphon/reverb/size", "/polyphon/reverb/damping":
            try count(m, 1, "f: 0...1")
            let v = try number(m, 0, Steering.EffectSteering.reverbRange)
            if target.hasSuffix("size") { return { $0.effects.reverbSize = v } }
            return { $0.effects.reverbDamping = v }
        case "/polyphon/delay/feedback":
            try count(m, 1, "f: 0...0.95")
            let v = try number(m, 0, Steering.EffectSteering.feedbackRange)
            return { $0.effects.delayFeedback = v }
        case "/polyphon/delay/division":
            try count(m, 1, "s: a note value such as \"1/8.\" or \"1/4t\", or f: beats 0.0625...4")
            let beats: Double
            if case .string(let text) = m.arguments[0] {
                guard let b = EffectSettings.beats(division: text) else {
                    throw Rejection(m.address, "cannot read note value '\(text)'; expected 1/64 ... 1/1 with an optional '.' (dotted) or 't' (triplet), such as \"1/8.\"")
                }
                beats = b
            } else {
                beats = try number(m, 0, Steering.EffectSteering.beatsRange)
            }
            return { $0.effects.delayBeats = beats }
        case "/polyphon/compressor/threshold":
            try count(m, 1, "f: dBFS -40...0")
            let v = try number(m, 0, Steering.EffectSteering.thresholdRange)
            return { $0.effects.compressorThreshold = v }
        case "/polyphon/compressor/ratio":
            try count(m, 1, "f: 1...10")
            let v = try number(m, 0, Steering.EffectSteering.ratioRange)
            return { $0.effects.compressorRatio = v }
        case "/polyphon/transport/play", "/polyphon/transport/stop", "/polyphon/panic":
            // A TouchOSC button sends 1 on press and 0 on release: only the press triggers.
            if let first = m.arguments.first, let v = first.number, v < 0.5 { return { _ in } }
            return try trigger(target)
        default:
            if target.hasSuffix("/norm") { return try normalized(target, m) }
            return try agentChange(for: target, m)
        }
    }

    private func trigger(_ target: String) throws(Rejection) -> @Sendable (inout Steering) -> Void {
        switch target {
        case "/polyphon/transport/play":
            return { $0.playing = true }
        case "/polyphon/transport/stop":
            return { $0.playing = false }
        default:
            return { $0.panicCount += 1 }
        }
    }

    /// `ADDRESS/norm v`: 0...1 spread over the parameter's range.
    private func normalized(_ target: String, _ m: OSCMessage) throws(Rejection) -> @Sendable (inout Steering) -> Void {
        let base = String(target.dropLast("/norm".count))
        guard let range = Mapping.range(of: base) else { throw Rejection(m.address, "unknown address") }
        try count(m, 1, "f: 0...1")
        let v = try number(m, 0, 0...1)
        return try change(for: base, OSCMessage(base, [.double(range.lowerBound + v * (range.upperBound - range.lowerBound))]))
    }

    private func agentChange(for target: String, _ m: OSCMessage) throws(Rejection) -> @Sendable (inout Steering) -> Void {
        let parts = target.split(separator: "/").map(String.init)
        if parts.count == 5, parts[3] == "sound", agentNames.contains(parts[2]) {
            return try soundChange(agent: parts[2], parameter: parts[4], m)
        }
        guard parts.count == 4, agentNames.contains(parts[2]) else {
            throw Rejection(m.address, "unknown address")
        }
        // The change applies to the agent by name: a patch switch in between may move it.
        let name = parts[2]
        switch parts[3] {
        case "mute":
            let on = try flag(m)
            return { s in s.withAgent(name) { $0.mute = on } }
        case "solo":
            let on = try flag(m)
            return { s in s.withAgent(name) { $0.solo = on } }
        case "gain":
            try count(m, 1, "f: 0...2 or i: 0...100")
            let v = try number(m, 0, Steering.gainRange, percent: true)
            return { s in s.withAgent(name) { $0.gain = v } }
        case "pan":
            try count(m, 1, "f: -1...1")
            let v = try number(m, 0, -1...1)
            return { s in s.withAgent(name) { $0.pan = v } }
        case "reverb", "delay", "morph":
            try count(m, 1, "f: 0...1 or i: 0...100")
            let v = try number(m, 0, 0...1, percent: true)
            switch parts[3] {
            case "reverb": return { s in s.withAgent(name) { $0.reverb = v } }
            case "delay": return { s in s.withAgent(name) { $0.delay = v } }
            default: return { s in s.withAgent(name) { $0.morph = v } }
            }
        case "density":
            try count(m, 1, "f: 0...1, i: 0...100, or N to follow the band")
            if case .null = m.arguments[0] { return { s in s.withAgent(name) { $0.density = nil } } }
            let v = try number(m, 0, 0...1, percent: true)
            return { s in s.withAgent(name) { $0.density = v } }
        default:
            throw Rejection(m.address, "unknown address")
        }
    }

    /// `/polyphon/agent/NAME/sound/PARAM f`: one of the agent's instrument settings, live.
    private func soundChange(agent name: String, parameter: String, _ m: OSCMessage) throws(Rejection)
        -> @Sendable (inout Steering) -> Void {
        let family = store.read().agents.first { $0.name == name }?.instrument ?? "subtractive"
        guard let p = SoundParameter.named(parameter, family: family) else {
            throw Rejection(m.address, unknownReason("/polyphon/agent/\(name)/sound/\(parameter)"))
        }
        try count(m, 1, "f: \(p.low)...\(p.high)")
        let v = try number(m, 0, p.range)
        let code = p.code
        return { s in s.withAgent(name) { $0.sound[code] = v } }
    }

    // MARK: Status

    /// `/polyphon/status` reply: name/value pairs, so any OSC monitor shows it readably.
    public func statusReply() -> OSCMessage {
        let s = store.read()
        let f = figures()
        return OSCMessage("/polyphon/status", [
            .string("patch"), .string(f.patch),
            .string("tempo"), .float(Float(s.tempo)),
            .string("applied_tempo"), .float(Float(f.conductor.appliedTempo)),
            .string("follow"), .int(s.followPlayer ? 1 : 0),
            .string("density"), .float(Float(s.density)),
            .string("mood"), .string(s.mood.name),
            .string("valence"), .float(Float(s.mood.valence)),
            .string("arousal"), .float(Float(s.mood.arousal)),
            .string("key"), .string(s.key.description),
            .string("playing"), .int(s.playing ? 1 : 0),
            .string("load"), .float(Float(f.load)),
            .string("xruns"), .int(Int32(clamping: f.xruns)),
            .string("uptime"), .float(Float(f.uptime)),
            .string("voices"), .int(Int32(clamping: f.voices)),
            .string("audio"), .int(f.audioRunning ? 1 : 0),
            .string("bar"), .int(Int32(clamping: f.conductor.bar)),
            .string("chord"), .string(f.conductor.chord.description),
            .string("section"), .string(f.conductor.section),
            .string("received"), .int(Int32(clamping: f.oscReceived)),
            .string("rejected"), .int(Int32(clamping: f.oscRejected)),
            .string("malformed"), .int(Int32(clamping: f.oscMalformed)),
            .string("late"), .int(Int32(clamping: f.lateChanges)),
            .string("latency_ms"), .float(Float(f.latencyMs)),
            .string("worst_latency_ms"), .float(Float(f.worstLatencyMs)),
            .string("clock"), .int64(f.clock),
            .string("period"), .int(Int32(clamping: f.period)),
            .string("lookahead"), .int64(f.lookahead),
            .string("last_timed"), .int64(f.lastTimedFrame),
            .string("jack_offset"), .int64(f.jackFrameOffset),
            .string("cue"), .string(deck?.position.current ?? ""),
            .string("next"), .string(deck?.position.next ?? ""),
        ])
    }
}

extension Double {
    /// The nearest value inside `range` (a schedule window's bounds).
    public func clamped(to range: ClosedRange<Double>) -> Double { Swift.min(range.upperBound, Swift.max(range.lowerBound, self)) }
}

extension Steering {
    /// Changes the agent called `name`, if the current patch has one.
    mutating func withAgent(_ name: String, _ change: (inout AgentSteering) -> Void) {
        if let i = agents.firstIndex(where: { $0.name == name }) { change(&agents[i]) }
    }
}
