/// One of the twelve pitch classes, C = 0.
public struct PitchClass: Hashable, Sendable, CustomStringConvertible {
    public let value: Int

    public init(_ value: Int) { self.value = ((value % 12) + 12) % 12 }

    static let sharpNames = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]

    /// Parses "C", "F#", "Bb", "eb" (case-insensitive letter, `#`/`b` accidentals).
    public init?(name: String) {
        let chars = Array(name)
        guard let first = chars.first else { return nil }
        let base: Int
        switch first.uppercased() {
        case "C": base = 0
        case "D": base = 2
        case "E": base = 4
        case "F": base = 5
        case "G": base = 7
        case "A": base = 9
        case "B": base = 11
        default: return nil
        }
        var offset = 0
        for c in chars.dropFirst() {
            switch c {
            case "#", "♯": offset += 1
            case "b", "♭": offset -= 1
            default: return nil
            }
        }
        self.init(base + offset)
    }

    public var description: String { Self.sharpNames[value] }
}

/// A MIDI note number, 0...127, middle C = 60.
public typealias MIDINote = Int

extension PitchClass {
    /// The MIDI note of this pitch class in `octave` (MIDI convention: C4 = 60).
    public func midi(octave: Int) -> MIDINote { (octave + 1) * 12 + value }
}
