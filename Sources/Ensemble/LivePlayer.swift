import Music

/// A note the live player played, on the band's beat timeline.
public struct HeardNote: Hashable, Sendable {
    public var beat: Double
    public var pitch: MIDINote
    public var velocity: Double
    /// Beats held; nil while the key is still down.
    public var length: Double?

    public init(beat: Double, pitch: MIDINote, velocity: Double, length: Double? = nil) {
        self.beat = beat
        self.pitch = pitch
        self.velocity = velocity
        self.length = length
    }
}

/// How the band hears the live player (notes from the JACK MIDI input): their phrases, where
/// a phrase ends (a pause with no key held), what they play over the current bar, and which
/// key their notes fit. Runs on the conductor thread; memory is bounded.
public struct LivePlayer: Sendable {
    public private(set) var notes: [HeardNote] = []
    /// Index in `notes` of the current phrase's first note, nil between phrases.
    private var phraseStart: Int?
    /// Beat of the last onset or release.
    public private(set) var lastActivity = -Double.infinity
    static let memory = 256

    /// Beats of silence (nothing held) that end a phrase: half a bar in 4/4.
    public var pauseBeats = 2.0

    public init() {}

    public mutating func noteOn(_ pitch: MIDINote, velocity: Double, beat: Double) {
        if phraseStart == nil { phraseStart = notes.count }
        notes.append(HeardNote(beat: beat, pitch: pitch, velocity: velocity))
        lastActivity = beat
        if notes.count > LivePlayer.memory {
            let drop = notes.count - LivePlayer.memory
            notes.removeFirst(drop)
            if let s = phraseStart { phraseStart = max(0, s - drop) }
        }
    }

    public mutating func noteOff(_ pitch: MIDINote, beat: Double) {
        guard let i = notes.lastIndex(where: { $0.pitch == pitch && $0.length == nil }) else { return }
        notes[i].length = max(0.05, beat - notes[i].beat)
        lastActivity = max(lastActivity, beat)
    }

    /// True while a key is down.
    public var isHolding: Bool { notes.contains { $0.length == nil } }

    /// The phrase that ended by `beat` (a pause of `pauseBeats` with nothing held), once.
    public mutating func takeFinishedPhrase(at beat: Double) -> [HeardNote]? {
        guard let start = phraseStart, start < notes.count, !isHolding,
              beat - lastActivity >= pauseBeats else { return nil }
        phraseStart = nil
        return Array(notes[start...])
    }

    /// What the player did in the `length` beats before `beat`.
    public func state(before beat: Double, length: Double) -> PlayerState {
        var s = PlayerState()
        let recent = notes.filter { n in
            let end = n.length.map { n.beat + $0 } ?? beat
            return end > beat - length && n.beat < beat
        }
        s.isPlaying = !recent.isEmpty || isHolding
        s.recentPitches = recent.map(\.pitch)
        return s
    }

    /// The key (of the six modes the band plays) that the player's recent notes fit best,
    /// preferring `current` on ties, so a player in the band's key keeps the band's key.
    public func fittingKey(current: Key) -> Key {
        let recent = notes.suffix(48)
        guard recent.count >= 4 else { return current }
        func fit(_ k: Key) -> Double {
            recent.reduce(0) { $0 + (k.contains($1.pitch) ? ($1.length ?? 1) : 0) }
        }
        var best = current
        var bestFit = fit(current)
        for tonic in 0..<12 {
            for mode in [Mode.ionian, .aeolian] {
                let k = Key(tonic: PitchClass(tonic), mode: mode)
                let f = fit(k)
                if f > bestFit + 1e-9 { best = k; bestFit = f }
            }
        }
        return best
    }

    /// The diatonic chord of `key` that the pitches fit best, if they clearly name one (at least
    /// two of its tones and more tones in it than outside it).
    public static func chord(fitting pitches: [MIDINote], in key: Key) -> Chord? {
        let classes = Set(pitches.map { PitchClass($0) })
        guard classes.count >= 2 else { return nil }
        var best: Chord?
        var bestScore = 1
        for degree in 0..<7 {
            let c = Chord(key: key, degree: degree)
            let tones = Set(c.pitchClasses)
            let inside = classes.intersection(tones).count
            let score = inside * 2 - (classes.count - inside) + (classes.contains(c.root) ? 1 : 0)
            if inside >= 2 && score > bestScore { best = c; bestScore = score }
        }
        return best
    }
}
