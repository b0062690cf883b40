import Music

/// Chooses the form (4-bar phrases) and the chord progression that every agent reads.
///
/// Progressions are scale-degree sequences, so a mood change re-spells the phrase in the new
/// mode at the next bar. A new progression is drawn at each phrase start with as many chords as
/// the mood's harmonic rhythm asks for (two, four or eight per phrase): from the learned harmony
/// model when the patch has one, else from a small table of idiomatic progressions per mode.
public struct BandLeader: Sendable {
    public static let phraseLength = 4
    /// Scale degrees for the phrase's chord slots.
    private var progression: [Int] = [0, 5, 2, 6]
    /// Chords drawn so far (most recent last), the context the learned model conditions on.
    private var history: [ChordSymbol] = []
    /// The learned progression model (chorales by default); nil draws from the tables below.
    public var model: StyleModel?

    public init() {}

    static func progressions(for mode: Mode) -> [[Int]] {
        switch mode {
        case .ionian: [[0, 4, 5, 3], [0, 3, 4, 0], [5, 3, 0, 4], [0, 5, 3, 4]]
        case .lydian: [[0, 1, 0, 4], [0, 1, 6, 4], [0, 4, 1, 0]]
        case .mixolydian: [[0, 6, 3, 0], [0, 3, 6, 3], [0, 4, 6, 3]]
        case .dorian: [[0, 3, 0, 6], [0, 6, 3, 4], [0, 2, 3, 6]]
        case .aeolian: [[0, 5, 2, 6], [0, 3, 4, 0], [0, 5, 3, 4], [0, 6, 5, 6]]
        case .phrygian: [[0, 1, 0, 6], [0, 1, 5, 1], [0, 6, 5, 1]]
        }
    }

    /// Modes whose third is minor condition the learned model on minor-key progressions.
    static func isMinor(_ mode: Mode) -> Bool {
        switch mode {
        case .dorian, .aeolian, .phrygian: true
        case .lydian, .ionian, .mixolydian: false
        }
    }

    private mutating func draw(slots: Int, key: Key, rng: inout SeededRandom) -> [Int] {
        if let model {
            let minor = BandLeader.isMinor(key.mode)
            var out: [Int] = []
            // Phrases start on the tonic, as the corpus's phrases mostly do. The chord's quality
            // comes from the mode (chords are diatonic), so only the root is taken from the model.
            for i in 0..<slots {
                let symbol = i == 0 ? ChordSymbol(degree: 0, quality: minor ? .minor : .major)
                    : model.nextChord(after: history, minor: minor, rng: &rng)
                out.append(((symbol.degree % 7) + 7) % 7)
                history.append(symbol)
                if history.count > 8 { history.removeFirst() }
            }
            return out
        }
        let choices = BandLeader.progressions(for: key.mode)
        let first = choices[Int(rng.next() % UInt64(choices.count))]
        switch slots {
        case 2: return [first[0], first[2]]
        case 8: return first + choices[Int(rng.next() % UInt64(choices.count))]
        default: return first
        }
    }

    /// Chord slots per phrase for a harmonic rhythm in chords per bar.
    static func slots(harmonicRhythm: Double) -> Int {
        max(1, Int(Double(phraseLength) * harmonicRhythm))
    }

    /// The chords of bar `index` in `key`; draws a new progression at each phrase start.
    public mutating func changes(bar index: Int, key: Key, mood: Mood, meter: Meter,
                                 rng: inout SeededRandom) -> [ChordChange] {
        let position = index % BandLeader.phraseLength
        if position == 0 {
            progression = draw(slots: BandLeader.slots(harmonicRhythm: mood.harmonicRhythm), key: key, rng: &rng)
        }
        let perBar = Double(progression.count) / Double(BandLeader.phraseLength)
        if perBar >= 2 {
            let half = Double(meter.beatsPerBar) / 2
            return [ChordChange(beat: 0, chord: Chord(key: key, degree: progression[position * 2])),
                    ChordChange(beat: half, chord: Chord(key: key, degree: progression[position * 2 + 1]))]
        }
        let slot = min(progression.count - 1, Int(Double(position) * perBar))
        return [ChordChange(beat: 0, chord: Chord(key: key, degree: progression[slot]))]
    }

    /// The chord planned for the start of the bar after `index`, without drawing (the tonic
    /// when a new phrase starts there: progressions begin on it).
    public func peekChord(after index: Int, key: Key) -> Chord {
        let position = (index + 1) % BandLeader.phraseLength
        if position == 0 { return Chord(key: key, degree: progression.first ?? 0) }
        let perBar = Double(progression.count) / Double(BandLeader.phraseLength)
        let slot = min(progression.count - 1, Int(Double(position) * perBar))
        return Chord(key: key, degree: progression[slot])
    }
}
