import Engine

/// Live figures the status reply carries beside the controls: the audio side, the conductor's
/// position, the OSC counters. Gathered on a control thread from atomics and snapshots.
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
    public var cue = ""
    public var nextCue = ""

    public init() {}
}

/// `/polyphon/status`: name/value pairs, so any OSC monitor shows it readably. Every readable
/// control of the table is there (agents' as `NAME.KEY`), then the live figures. Built from a
/// snapshot on the thread that answers, never on the conductor's.
public struct StatusReply {
    public var message: OSCMessage

    public init(steering s: Steering, agentNames: [String], figures f: LiveFigures) {
        var args: [OSCArgument] = [.string("patch"), .string(f.patch)]
        func put(_ key: String, _ value: ControlValue) {
            switch value {
            case .number(let v): args += [.string(key), .float(Float(v))]
            case .flag(let b): args += [.string(key), .int(b ? 1 : 0)]
            case .text(let t): args += [.string(key), .string(t)]
            case .pair: break
            case .mood(let m): args += [.string(key), .string(m.name)]
            case .key, .trigger, .unset: break
            }
        }
        for spec in ControlTable.all where spec.access.readable && spec.isSetting {
            switch spec.scope {
            case .band:
                if case .pair(let a, let b)? = spec.value(in: s) {
                    args += [.string(spec.partKeys.0), .float(Float(a)), .string(spec.partKeys.1), .float(Float(b))]
                } else if let v = spec.value(in: s) {
                    put(spec.key, v)
                }
            case .agent, .sound:
                for (i, a) in s.agents.enumerated() where agentNames.contains(a.name) {
                    if let v = spec.value(in: s, agent: i) { put("\(a.name).\(spec.key)", v) }
                }
            }
        }
        let live: [(String, OSCArgument)] = [
            ("applied_tempo", .float(Float(f.conductor.appliedTempo))),
            ("load", .float(Float(f.load))),
            ("xruns", .int(Int32(clamping: f.xruns))),
            ("uptime", .float(Float(f.uptime))),
            ("voices", .int(Int32(clamping: f.voices))),
            ("audio", .int(f.audioRunning ? 1 : 0)),
            ("bar", .int(Int32(clamping: f.conductor.bar))),
            ("chord", .string(f.conductor.chord.description)),
            ("section", .string(f.conductor.section)),
            ("received", .int(Int32(clamping: f.oscReceived))),
            ("rejected", .int(Int32(clamping: f.oscRejected))),
            ("malformed", .int(Int32(clamping: f.oscMalformed))),
            ("late", .int(Int32(clamping: f.lateChanges))),
            ("latency_ms", .float(Float(f.latencyMs))),
            ("worst_latency_ms", .float(Float(f.worstLatencyMs))),
            ("clock", .int64(f.clock)),
            ("period", .int(Int32(clamping: f.period))),
            ("lookahead", .int64(f.lookahead)),
            ("last_timed", .int64(f.lastTimedFrame)),
            ("jack_offset", .int64(f.jackFrameOffset)),
            ("cue", .string(f.cue)),
            ("next", .string(f.nextCue)),
        ]
        for (k, v) in live { args += [.string(k), v] }
        message = OSCMessage("/polyphon/status", args)
    }
}
