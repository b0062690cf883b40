/// A diatonic chord: built by stacking thirds on a scale degree of a key, so every tone is in
/// the key by construction.
public struct Chord: Hashable, Sendable, CustomStringConvertible {
    public var key: Key
    /// Scale degree of the root, 0...6.
    public var degree: Int
    /// 3 for a triad, 4 for a seventh chord.
    public var size: Int

    public init(key: Key, degree: Int, size: Int = 3) {
        self.key = key
        self.degree = ((degree % 7) + 7) % 7
        self.size = size
    }

    /// Scale degrees of the chord tones, root first (may exceed 6: 7 is an octave up).
    public var degrees: [Int] { (0..<size).map { degree + 2 * $0 } }

    public var root: PitchClass { PitchClass(key.note(degree: degree, octave: 0)) }

    public var pitchClasses: [PitchClass] { degrees.map { PitchClass(key.note(degree: $0, octave: 0)) } }

    public var description: String {
        let numerals = ["I", "II", "III", "IV", "V", "VI", "VII"]
        return "\(numerals[degree])(\(root))"
    }
}
