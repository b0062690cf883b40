import Music

/// Everything an agent needs to decide one bar.
public struct BarContext: Sendable {
    /// Bar number since the start of the performance.
    public var index: Int
    public var meter: Meter
    public var key: Key
    /// The chord of this bar and of the next (for approach notes).
    public var chord: Chord
    public var nextChord: Chord
    public var mood: Mood
    /// The agent's own density after the arranger's spread, 0...1.
    public var density: Double
    /// True in the last bar of a phrase: the place for fills.
    public var isPhraseEnd: Bool
}
