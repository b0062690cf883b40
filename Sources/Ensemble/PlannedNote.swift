import Music

/// One note an agent decided to play, in musical time relative to the start of its bar.
public struct PlannedNote: Hashable, Sendable {
    /// Index of the agent in the band.
    public var agent: Int
    /// Onset in beats from the start of the bar.
    public var beat: Double
    /// Length in beats.
    public var length: Double
    public var pitch: MIDINote
    /// 0...1.
    public var velocity: Double

    public init(agent: Int, beat: Double, length: Double, pitch: MIDINote, velocity: Double) {
        self.agent = agent
        self.beat = beat
        self.length = length
        self.pitch = pitch
        self.velocity = velocity
    }
}

/// General MIDI drum notes the drummer plays and the drum kit understands.
public enum DrumNote {
    public static let kick: MIDINote = 36
    public static let snare: MIDINote = 38
    public static let clap: MIDINote = 39
    public static let closedHat: MIDINote = 42
    public static let openHat: MIDINote = 46
    public static let lowTom: MIDINote = 45
    public static let midTom: MIDINote = 47
    public static let highTom: MIDINote = 50
    public static let cowbell: MIDINote = 56
    /// Drums a fill is played on.
    public static let fillNotes: Set<MIDINote> = [snare, lowTom, midTom, highTom]
}
