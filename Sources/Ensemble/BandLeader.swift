import Music

/// Chooses the form (4-bar phrases) and the chord progression that every agent reads.
///
/// Progressions are scale-degree sequences per mode, so a mood change re-spells the same
/// phrase in the new mode at the next bar, and a new progression is drawn at the next phrase.
public struct BandLeader: Sendable {
    public static let phraseLength = 4
    private var progression: [Int] = [0, 5, 2, 6]

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

    /// The chord of bar `index` in `key`; draws a new progression at each phrase start.
    public mutating func chord(bar index: Int, key: Key, rng: inout SeededRandom) -> Chord {
        let position = index % BandLeader.phraseLength
        if position == 0 {
            let choices = BandLeader.progressions(for: key.mode)
            progression = choices[Int(rng.next() % UInt64(choices.count))]
        }
        return Chord(key: key, degree: progression[position])
    }

    /// The chord planned for the bar after `index`, without drawing.
    public func peekChord(after index: Int, key: Key) -> Chord {
        let position = (index + 1) % BandLeader.phraseLength
        return Chord(key: key, degree: progression[position == 0 ? 0 : position])
    }
}
