/// A tonic and a mode: the set of pitch classes the band plays in.
public struct Key: Hashable, Sendable, CustomStringConvertible {
    public var tonic: PitchClass
    public var mode: Mode

    public init(tonic: PitchClass, mode: Mode) {
        self.tonic = tonic
        self.mode = mode
    }

    /// Parses "A", "A minor", "D dorian", "F# lydian". A bare tonic gets `defaultMode`.
    public init?(parsing text: String, defaultMode: Mode = .aeolian) {
        let words = text.split(separator: " ").map(String.init)
        guard (1...2).contains(words.count), let tonic = PitchClass(name: words[0]) else { return nil }
        var mode = defaultMode
        if words.count == 2 {
            guard let m = Mode(name: words[1]) else { return nil }
            mode = m
        }
        self.init(tonic: tonic, mode: mode)
    }

    /// The seven scale pitch classes, degree 0 first.
    public var pitchClasses: [PitchClass] { mode.intervals.map { PitchClass(tonic.value + $0) } }

    public func contains(_ note: MIDINote) -> Bool {
        mode.intervals.contains(PitchClass(note - tonic.value).value)
    }

    /// The MIDI note of scale `degree` (any integer; 7 is the tonic an octave up) above the
    /// tonic in `octave`.
    public func note(degree: Int, octave: Int) -> MIDINote {
        let octaveShift = Int((Double(degree) / 7).rounded(.down))
        let d = degree - octaveShift * 7
        return tonic.midi(octave: octave + octaveShift) + mode.intervals[d]
    }

    /// The scale degree (counted from the tonic in octave 0, as `note(degree:octave: 0)` counts)
    /// whose note is nearest `pitch`; ties go down. Inverse of `note` for notes in the key.
    public func degreeNearest(to pitch: MIDINote) -> Int {
        let base = tonic.midi(octave: 0)
        let octaves = Int((Double(pitch - base) / 12).rounded(.down))
        let within = pitch - base - octaves * 12
        var best = 0
        for (i, interval) in mode.intervals.enumerated() where abs(interval - within) < abs(mode.intervals[best] - within) {
            best = i
        }
        // The tonic an octave up may be nearer than the seventh degree.
        if 12 - within < abs(mode.intervals[best] - within) { return (octaves + 1) * 7 }
        return octaves * 7 + best
    }

    public var description: String { "\(tonic) \(mode.rawValue)" }
}
