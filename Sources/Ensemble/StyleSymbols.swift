import Music

/// One note or rest of a melodic line, as the style models see it: transposition-free.
public struct MelodyStep: Hashable, Sendable, CustomStringConvertible {
    /// Semitones from the previous sounding note, clamped to ±12; nil is a rest.
    public var interval: Int?
    /// Length in sixteenths, 1...16.
    public var sixteenths: Int
    /// Onset in sixteenths from the bar line, 0..<bar length.
    public var position: Int

    public init(interval: Int?, sixteenths: Int, position: Int) {
        self.interval = interval.map { min(12, max(-12, $0)) }
        self.sixteenths = min(16, max(1, sixteenths))
        self.position = position
    }

    /// "+2/4@0" (up a tone, a quarter note, on the downbeat) or "r/2@6".
    public var description: String {
        let i = interval.map { $0 >= 0 ? "+\($0)" : "\($0)" } ?? "r"
        return "\(i)/\(sixteenths)@\(position)"
    }

    public init?(parsing text: Substring) {
        let parts = text.split(separator: "/")
        guard parts.count == 2 else { return nil }
        let rest = parts[1].split(separator: "@")
        guard rest.count == 2, let d = Int(rest[0]), let p = Int(rest[1]), (1...16).contains(d), p >= 0 else { return nil }
        if parts[0] == "r" {
            self.init(interval: nil, sixteenths: d, position: p)
        } else {
            guard let i = Int(parts[0].hasPrefix("+") ? parts[0].dropFirst() : parts[0]) else { return nil }
            self.init(interval: i, sixteenths: d, position: p)
        }
    }
}

extension Chord {
    /// The sound of a chord regardless of its root, for progressions learned from music that
    /// borrows and tonicizes (a major II is V of V, not a wrong note).
    public enum Quality: String, CaseIterable, Sendable {
        case major = "maj", minor = "min", diminished = "dim", augmented = "aug"
        case dominant7 = "7", major7 = "maj7", minor7 = "min7", halfDiminished7 = "m7b5", diminished7 = "dim7"

        /// Semitones above the root.
        public var intervals: [Int] {
            switch self {
            case .major: [0, 4, 7]
            case .minor: [0, 3, 7]
            case .diminished: [0, 3, 6]
            case .augmented: [0, 4, 8]
            case .dominant7: [0, 4, 7, 10]
            case .major7: [0, 4, 7, 11]
            case .minor7: [0, 3, 7, 10]
            case .halfDiminished7: [0, 3, 6, 10]
            case .diminished7: [0, 3, 6, 9]
            }
        }
    }
}

/// A chord of a progression relative to the key: a scale degree and a quality ("V7", "ii").
public struct ChordSymbol: Hashable, Sendable, CustomStringConvertible {
    /// Scale degree of the root, 0...6.
    public var degree: Int
    public var quality: Chord.Quality

    public init(degree: Int, quality: Chord.Quality) {
        self.degree = ((degree % 7) + 7) % 7
        self.quality = quality
    }

    /// Roman numeral, upper case for major-third chords: "V7", "ii", "vii°".
    public var description: String {
        let numerals = ["I", "II", "III", "IV", "V", "VI", "VII"]
        let n = numerals[degree]
        switch quality {
        case .major: return n
        case .minor: return n.lowercased()
        case .diminished: return n.lowercased() + "°"
        case .augmented: return n + "+"
        case .dominant7: return n + "7"
        case .major7: return n + "maj7"
        case .minor7: return n.lowercased() + "7"
        case .halfDiminished7: return n.lowercased() + "ø7"
        case .diminished7: return n.lowercased() + "°7"
        }
    }

    /// The integer the model counts: degree and quality packed.
    var code: Int { degree * 16 + Chord.Quality.allCases.firstIndex(of: quality)! }

    init?(code: Int) {
        let q = code % 16
        guard code >= 0, code / 16 < 7, q < Chord.Quality.allCases.count else { return nil }
        self.init(degree: code / 16, quality: Chord.Quality.allCases[q])
    }

    /// The diatonic chord on the same degree (triad or seventh), for parts that think in the
    /// key's scale; `pitchClasses(in:)` keeps the quality's own tones (a major II, a raised leading tone).
    public func chord(in key: Key) -> Chord { Chord(key: key, degree: degree, size: quality.intervals.count) }

    /// Pitch classes of this chord in `key`: the root is the key's degree, the rest from the quality.
    public func pitchClasses(in key: Key) -> [PitchClass] {
        let root = key.note(degree: degree, octave: 0)
        return quality.intervals.map { PitchClass(root + $0) }
    }
}

/// Drum sounds grouped the way a drummer thinks of them; a sixteenth step of a groove is a
/// bitmask of these (`UInt16`).
public enum DrumClass: Int, CaseIterable, Sendable {
    case kick, snare, closedHat, openHat, lowTom, highTom, crash, ride, clap, rim, percussion

    public var bit: UInt16 { 1 << UInt16(rawValue) }

    /// General MIDI note to play for this class.
    public var generalMIDINote: Int {
        switch self {
        case .kick: 36
        case .snare: 38
        case .closedHat: 42
        case .openHat: 46
        case .lowTom: 45
        case .highTom: 48
        case .crash: 49
        case .ride: 51
        case .clap: 39
        case .rim: 37
        case .percussion: 56
        }
    }

    /// The class of a General MIDI percussion note (channel 10).
    public init(generalMIDINote n: Int) {
        switch n {
        case 35, 36: self = .kick
        case 38, 40: self = .snare
        case 42, 44: self = .closedHat
        case 46: self = .openHat
        case 41, 43, 45: self = .lowTom
        case 47, 48, 50: self = .highTom
        case 49, 52, 55, 57: self = .crash
        case 51, 53, 59: self = .ride
        case 39: self = .clap
        case 37: self = .rim
        default: self = .percussion
        }
    }

    /// The classes present in a step mask.
    public static func classes(in mask: UInt16) -> [DrumClass] { allCases.filter { mask & $0.bit != 0 } }
}
