import Music

/// A chord and the beat of the bar it starts on.
public struct ChordChange: Hashable, Sendable {
    public var beat: Double
    public var chord: Chord

    public init(beat: Double, chord: Chord) {
        self.beat = beat
        self.chord = chord
    }
}

/// What the live player has been doing, as the band heard it by the start of this bar.
public struct PlayerState: Sendable {
    /// The player played in the last bar: the lead leaves space.
    public var isPlaying = false
    /// Pitches the player held or struck in the last bar, for the harmony to follow.
    public var recentPitches: [MIDINote] = []

    public init() {}
}

/// Everything an agent needs to decide one bar.
public struct BarContext: Sendable {
    /// Bar number since the start of the performance.
    public var index: Int
    /// The bar's first beat on the band's timeline.
    public var startBeat: Double
    public var meter: Meter
    public var key: Key
    /// The chords of this bar, in order, the first on beat 0 (two when the mood's harmonic
    /// rhythm is fast), and the first chord of the next bar (for approach notes).
    public var changes: [ChordChange]
    public var nextChord: Chord
    public var mood: Mood
    /// The agent's own density after the arranger's spread, 0...1.
    public var density: Double
    /// True in the last bar of a phrase: the place for fills.
    public var isPhraseEnd: Bool
    public var player = PlayerState()

    public init(index: Int, startBeat: Double = 0, meter: Meter, key: Key, changes: [ChordChange], nextChord: Chord, mood: Mood,
                density: Double, isPhraseEnd: Bool, player: PlayerState = PlayerState()) {
        self.index = index
        self.startBeat = startBeat
        self.meter = meter
        self.key = key
        self.changes = changes
        self.nextChord = nextChord
        self.mood = mood
        self.density = density
        self.isPhraseEnd = isPhraseEnd
        self.player = player
    }

    /// The bar's first chord.
    public var chord: Chord { changes[0].chord }

    /// The chord sounding at `beat` of this bar.
    public func chord(at beat: Double) -> Chord {
        var current = changes[0].chord
        for c in changes where c.beat <= beat + 1e-9 { current = c.chord }
        return current
    }
}
