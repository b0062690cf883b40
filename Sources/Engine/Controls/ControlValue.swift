import Music

/// A validated value for a control: what a command carries from the control side to the
/// conductor. Typed, so the conductor applies it without parsing or diffing anything.
public enum ControlValue: Sendable, Equatable {
    case number(Double)
    case flag(Bool)
    /// A button press (transport, panic, cue GO).
    case trigger
    /// A density that follows the band again (OSC `N`).
    case unset
    case mood(Mood)
    /// A tonic, with a mode pinned when one was named ("D dorian").
    case key(PitchClass, Mode?)
    case pair(Double, Double)
    case text(String)

    public var number: Double? { if case .number(let v) = self { v } else { nil } }
}

/// One control set to one value: the unit of change in the whole show. OSC messages, cue-file
/// entries, the schedule, the silence watchdog and the state file all become commands, and the
/// conductor is the only thread that applies them to the musical state.
public struct Command: Sendable, Equatable {
    /// Index into `ControlTable.all`.
    public var control: Int
    /// The agent an agent-scope control acts on (by name: a patch switch may move it).
    public var agent: String?
    public var value: ControlValue

    public init(control: Int, agent: String? = nil, value: ControlValue) {
        self.control = control
        self.agent = agent
        self.value = value
    }

    /// A command by address: `Command("/polyphon/tempo", .number(140))`,
    /// `Command("/polyphon/agent/*/mute", agent: "bass", .flag(true))`. Nil for an unknown address.
    public init?(_ address: String, agent: String? = nil, _ value: ControlValue) {
        guard let i = ControlTable.index(of: address) else { return nil }
        self.init(control: i, agent: agent, value: value)
    }

    public var spec: ControlSpec { ControlTable.all[control] }

    /// Applies the command to `s`. Values are already validated; limits still clamp.
    public func apply(to s: inout Steering) {
        let spec = self.spec
        guard let write = spec.write else { return }
        if spec.scope == .band {
            write(&s, nil, value)
        } else if let agent, let i = s.agents.firstIndex(where: { $0.name == agent }) {
            write(&s, i, value)
        }
    }
}

/// A ramp from a control's value when the ramp starts to `target`, over `frames` (a cue file's
/// `ramp`). The conductor reads the start value from its own state at `frame`.
public struct Ramp: Sendable, Equatable {
    public var control: Int
    public var agent: String?
    public var target: Double
    /// Length, in frames or in beats (beats are converted at the start, with the tempo then).
    public var length: CueScript.Length

    public init(control: Int, agent: String? = nil, target: Double, length: CueScript.Length) {
        self.control = control
        self.agent = agent
        self.target = target
        self.length = length
    }
}

/// Commands to apply together at one frame of the audio clock: an OSC message or bundle (all
/// or nothing), a cue entry, a scheduled step.
public struct TimedCommands: Sendable {
    /// Apply at the conductor's next advance, at its horizon (a live message).
    public static let asap = Int64.min

    public var frame: Int64
    /// The audio clock when the commands were received, to measure latency (live messages).
    public var receivedAt: Int64?
    public var commands: [Command]
    public var ramps: [Ramp]
    /// The conductor's number for a submission (0 for its own), for landing reports.
    public var sequence = 0

    public init(frame: Int64 = TimedCommands.asap, receivedAt: Int64? = nil, _ commands: [Command], ramps: [Ramp] = []) {
        self.frame = frame
        self.receivedAt = receivedAt
        self.commands = commands
        self.ramps = ramps
    }
}
