import Foundation

/// The declaration of one control: everything the show needs to know about it, in one place.
///
/// The router's validation and `/norm`, mapping-file ranges, feedback, the status reply, the
/// state file, the patch reader's ranges, `polyphon controls --json` and the OSC table in
/// docs/osc.md are all derived from these declarations (Faust's `buildUserInterface` and
/// AudioKit's `NodeParameterDef`, applied to a whole show). Adding a band or bus parameter is one
/// entry in `ControlTable` plus the DSP that uses it.
public struct ControlSpec: @unchecked Sendable {
    /// What the value is and how OSC carries it.
    public enum Kind: String, Sendable {
        /// A number in `range` (`f`, `i`, `d` or `h`).
        case number
        /// On or off (`i`, `f` or `T`/`F`).
        case toggle
        /// A button: a press acts, a release (0) is ignored.
        case trigger
        /// A string the control parses (a mood name, a key, a path, a label).
        case text
        /// Two numbers (an XY pad, a ramp's target and length, a range).
        case pair
        /// A question answered to the sender (status, ping).
        case query
        /// A session request handled for the sender alone (subscribe, auth, learn).
        case session
    }

    public enum Scope: Equatable, Sendable {
        case band
        /// `/polyphon/agent/NAME/...`
        case agent
        /// `/polyphon/agent/NAME/sound/...` for agents whose instrument has it.
        case sound(family: String, code: UInt8)
    }

    public enum Access: String, Sendable {
        case read = "r", write = "w", readWrite = "rw"
        public var readable: Bool { self != .write }
        public var writable: Bool { self != .read }
    }

    /// How `/norm` spreads 0...1 over the range: linear, or exponential for frequencies and
    /// times a fader should sweep evenly to the ear.
    public enum Curve: String, Sendable { case linear, exponential }

    /// What happens to a number outside the range: refused (`both`, as OSCQuery's CLIPMODE says
    /// the range is enforced at both ends), or taken as it is (`none`).
    public enum Clip: String, Sendable { case none, both }

    /// The OSC address; agent controls use `*` for the agent's name.
    public let address: String
    public let scope: Scope
    public let kind: Kind
    /// OSC type tags, as OSCQuery's TYPE (`f`, `s`, `ff`, `i`; empty for none).
    public let types: String
    /// Range of a number (of each number, for a pair, unless `secondRange` says otherwise).
    public let range: ClosedRange<Double>?
    /// Range of a pair's second number, when it differs.
    public let secondRange: ClosedRange<Double>?
    /// An integer 0...100 is also accepted and spread over the range (ChamSys levels).
    public let level: Bool
    /// The range `/norm` spreads 0...1 over when it differs from `range` (tempo: 40...220).
    public let normRange: ClosedRange<Double>?
    public let curve: Curve
    public let clip: Clip
    public let unit: String
    public let access: Access
    /// Where a patch file sets it (`band.tempo`, `agent.gain`, `reverb.size`); nil when only
    /// the show steers it.
    public let patchKey: String?
    /// One line for people: docs/osc.md, OSCQuery's DESCRIPTION, `controls --json`.
    public let summary: String
    /// What a patch's default is, when the control has one independent of the patch.
    public let defaultValue: Double?
    /// The audio event the control becomes (nil: the conductor uses it musically).
    public let event: AudioEvent.Kind?
    /// The key in `/polyphon/status` and the state file (`tempo`, `reverb_size`, `gain`).
    public let key: String
    /// The status keys of a pair's two numbers (`mood_x`, `mood_y`).
    public let partKeys: (String, String)
    /// The state file keeps it, so an installation comes back to it after a restart (bounds
    /// set by the config and the schedule are not kept: they come from there again).
    public let kept: Bool
    /// What the state file keeps, when it differs from what status shows (a key keeps its
    /// mode only when one was pinned).
    let keep: (@Sendable (Steering) -> ControlValue?)?

    /// The control's value now (`agent`: the index in `Steering.agents` for agent scope).
    let read: (@Sendable (Steering, Int?) -> ControlValue?)?
    /// Sets the value; limits clamp here, so every writer (OSC, cues, schedule, state) obeys them.
    let write: (@Sendable (inout Steering, Int?, ControlValue) -> Void)?
    /// Reads a string argument (a mood name, a key, a note value); throws the reason.
    let parse: (@Sendable (String, Steering) -> Result<ControlValue, ControlError>)?
    /// The value the audio event carries, when it is not the number itself (master gain under
    /// the volume cap, mute under solo).
    let eventValue: (@Sendable (Steering, Int?) -> Float)?

    init(_ address: String, _ kind: Kind, scope: Scope = .band, types: String? = nil, range: ClosedRange<Double>? = nil,
         secondRange: ClosedRange<Double>? = nil, level: Bool = false, normRange: ClosedRange<Double>? = nil, curve: Curve = .linear, clip: Clip = .both,
         unit: String = "", access: Access = .readWrite, patchKey: String? = nil, defaultValue: Double? = nil,
         event: AudioEvent.Kind? = nil, key: String? = nil, parts: (String, String)? = nil, kept: Bool = true,
         keep: (@Sendable (Steering) -> ControlValue?)? = nil, summary: String,
         read: (@Sendable (Steering, Int?) -> ControlValue?)? = nil,
         write: (@Sendable (inout Steering, Int?, ControlValue) -> Void)? = nil,
         parse: (@Sendable (String, Steering) -> Result<ControlValue, ControlError>)? = nil,
         eventValue: (@Sendable (Steering, Int?) -> Float)? = nil) {
        self.address = address
        self.kind = kind
        self.scope = scope
        self.types = types ?? ControlSpec.defaultTypes(kind)
        self.range = range
        self.secondRange = secondRange
        self.level = level
        self.normRange = normRange
        self.curve = curve
        self.clip = clip
        self.unit = unit
        self.access = access
        self.patchKey = patchKey
        self.defaultValue = defaultValue
        self.event = event
        self.summary = summary
        self.read = read
        self.write = write
        self.parse = parse
        self.eventValue = eventValue
        self.key = key ?? ControlSpec.defaultKey(address)
        partKeys = parts ?? (self.key + "_min", self.key + "_max")
        self.kept = kept && read != nil && write != nil && kind != .trigger
        self.keep = keep
    }

    static func defaultTypes(_ kind: Kind) -> String {
        switch kind {
        case .number: "f"
        case .toggle: "i"
        case .trigger, .query, .session: ""
        case .text: "s"
        case .pair: "ff"
        }
    }

    /// `/polyphon/reverb/size` → `reverb_size`; `/polyphon/agent/*/gain` → `gain`.
    static func defaultKey(_ address: String) -> String {
        var parts = address.split(separator: "/").map(String.init).dropFirst()   // drop "polyphon"
        if parts.first == "agent" { parts = parts.dropFirst(2) }
        if parts.first == "sound" { parts = parts.dropFirst() }
        return parts.joined(separator: "_")
    }

    /// The concrete address for agent `name` (band controls: the address itself).
    public func address(agent name: String?) -> String {
        guard scope != .band, let name else { return address }
        return address.replacingOccurrences(of: "/*/", with: "/\(name)/")
    }

    /// Status and feedback can show it.
    public var readable: Bool { access.readable && read != nil }

    /// True for a value a controller sets (numbers, toggles, texts, pairs, triggers).
    public var isSetting: Bool { kind != .query && kind != .session }

    /// The value now, for feedback and status.
    public func value(in s: Steering, agent: Int? = nil) -> ControlValue? { read?(s, agent) }

    /// The value the state file keeps (band controls; agent ones keep `value`).
    public func keptValue(in s: Steering, agent: Int? = nil) -> ControlValue? {
        if let keep, agent == nil { return keep(s) }
        return read?(s, agent)
    }

    /// A kept value read back from a state file, checked as a controller's would be (numbers
    /// clamped into the range, texts parsed); nil when it no longer fits.
    public func restored(_ value: ControlValue, in s: Steering) -> ControlValue? {
        switch (kind, value) {
        case (.number, .number(let v)):
            guard v.isFinite else { return nil }
            return .number(range.map { v.clamped(to: $0) } ?? v)
        case (.toggle, .flag): return value
        case (.text, .text(let t)):
            guard let parse else { return value }
            if case .success(let v) = parse(t, s) { return v }
            return nil
        case (.pair, .pair(let a, let b)):
            guard a.isFinite, b.isFinite, let r = range else { return nil }
            return .pair(a.clamped(to: r), b.clamped(to: secondRange ?? r))
        default: return nil
        }
    }

    /// Sets the value directly (state restore, tests); the router and the conductor use `Command`.
    public func set(_ value: ControlValue, in s: inout Steering, agent: Int? = nil) { write?(&s, agent, value) }

    /// Reads a string argument for a text control (or a number control that also takes text).
    public func parse(_ text: String, in s: Steering) -> Result<ControlValue, ControlError>? { parse?(text, s) }

    /// The audio event's value after the command is applied.
    public func eventValue(in s: Steering, agent: Int?) -> Float? {
        if let eventValue { return eventValue(s, agent) }
        switch read?(s, agent) {
        case .number(let v): return Float(v)
        case .flag(let b): return b ? 1 : 0
        default: return nil
        }
    }

    /// The range a `/norm` fader spans.
    public var faderRange: ClosedRange<Double>? { normRange ?? (kind == .number ? range : nil) }

    /// 0...1 from a fader to a value on the range, through the curve.
    public func denormalize(_ x: Double) -> Double? {
        guard let r = faderRange else { return nil }
        switch curve {
        case .linear: return r.lowerBound + x * (r.upperBound - r.lowerBound)
        case .exponential:
            let lo = Swift.max(r.lowerBound, 1e-6)
            return lo * _pow(r.upperBound / lo, x)
        }
    }

    /// A value on the range back to 0...1 (for a fader's feedback).
    public func normalize(_ v: Double) -> Double? {
        guard let r = faderRange, r.upperBound > r.lowerBound else { return nil }
        let x: Double
        switch curve {
        case .linear: x = (v - r.lowerBound) / (r.upperBound - r.lowerBound)
        case .exponential:
            let lo = Swift.max(r.lowerBound, 1e-6)
            x = _log(Swift.max(v, lo) / lo) / _log(r.upperBound / lo)
        }
        return Swift.min(1, Swift.max(0, x))
    }
}

/// Why a value is refused; the control side turns it into `/polyphon/error ADDRESS REASON`.
public struct ControlError: Error, Sendable, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}

@inline(__always) private func _pow(_ a: Double, _ b: Double) -> Double { exp(b * log(a)) }
@inline(__always) private func _log(_ a: Double) -> Double { log(a) }
