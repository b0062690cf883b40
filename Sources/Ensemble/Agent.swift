import Music

/// How an agent is set up by a patch.
public struct AgentSpec: Sendable {
    public var name: String
    public var role: Role
    /// Octave of the part's centre (MIDI: 4 is middle C's octave).
    public var octave: Int
    /// When set, the agent ignores the band density and plays at this one (0...1).
    public var densityOverride: Double?
    /// The learned style the agent plays from; nil plays by the role's rules alone.
    public var style: StyleModel?

    public init(name: String, role: Role, octave: Int, densityOverride: Double? = nil, style: StyleModel? = nil) {
        self.name = name
        self.role = role
        self.octave = octave
        self.densityOverride = densityOverride
        self.style = style
    }
}

/// A player in the band. It decides one bar at a time, ahead of the audio clock, on the
/// conductor thread, from the shared context and what the others just played.
public protocol Agent: AnyObject {
    var spec: AgentSpec { get }
    func play(_ bar: BarContext, board: Blackboard, index: Int, rng: inout SeededRandom) -> [PlannedNote]
    /// A note of the live player, as it happens (beats on the band's timeline).
    func hear(pitch: MIDINote, isOn: Bool, beat: Double)
}

extension Agent {
    public func hear(pitch: MIDINote, isOn: Bool, beat: Double) {}
}
