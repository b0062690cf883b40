import Music

/// The harmony part: voices each chord close to the previous voicing (smooth voice leading) and
/// comps in a rhythm that goes from held pads at low density to syncopated stabs at high.
public final class Comper: Agent {
    public let spec: AgentSpec
    private var lastVoicing: [MIDINote] = []

    public init(spec: AgentSpec) { self.spec = spec }

    /// The inversion of the chord, within an octave of the part's centre, whose notes move least
    /// from the last voicing.
    func voicing(_ chord: Chord, key: Key, sevenths: Bool) -> [MIDINote] {
        let size = sevenths ? 4 : 3
        let c = Chord(key: key, degree: chord.degree, size: size)
        var best: [MIDINote] = []
        var bestCost = Int.max
        let centre = key.tonic.midi(octave: spec.octave) + 4
        for inversion in 0..<size {
            for octave in (spec.octave - 1)...(spec.octave + 1) {
                let degrees = c.degrees.enumerated().map { i, d in i < inversion ? d + 7 : d }
                let notes = degrees.map { key.note(degree: $0, octave: octave) }.sorted()
                let cost: Int
                if lastVoicing.count == notes.count {
                    cost = zip(lastVoicing, notes).map { abs($0 - $1) }.reduce(0, +)
                } else {
                    cost = abs(notes.reduce(0, +) / notes.count - centre) * notes.count
                }
                if cost < bestCost { bestCost = cost; best = notes }
            }
        }
        return best
    }

    public func play(_ bar: BarContext, board: Blackboard, index: Int, rng: inout SeededRandom) -> [PlannedNote] {
        let d = bar.density
        let sevenths = bar.mood.valence > 0 && bar.mood.arousal < 0.5
        // One voicing per chord of the bar, each led smoothly from the one before.
        let voicings = bar.changes.map { change -> (beat: Double, notes: [MIDINote]) in
            let v = voicing(change.chord, key: bar.key, sevenths: sevenths)
            lastVoicing = v
            return (change.beat, v)
        }
        func voices(at beat: Double) -> [MIDINote] {
            voicings.last { $0.beat <= beat + 1e-9 }?.notes ?? voicings[0].notes
        }
        let beats = Double(bar.meter.beatsPerBar)
        let rhythm: [(beat: Double, length: Double)]
        switch d {
        case ..<0.3: rhythm = [(0, beats * 0.98)]
        case ..<0.55: rhythm = [(0, beats / 2 * 0.95), (beats / 2, beats / 2 * 0.95)]
        case ..<0.8:
            rhythm = rng.chance(0.5)
                ? [(0, 1.2), (1.5, 0.4), (2.5, 1.2)]
                : [(0, 0.8), (1.5, 0.8), (3, 0.8)]
        default: rhythm = [(0, 0.4), (0.75, 0.4), (1.5, 0.4), (2.5, 0.4), (3, 0.4), (3.5, 0.4)]
        }
        let velocity = 0.35 + 0.45 * bar.mood.energy
        // A chord change inside the bar re-strikes the new chord where it starts.
        var hits = rhythm
        for change in bar.changes.dropFirst() where !hits.contains(where: { abs($0.beat - change.beat) < 1e-9 }) {
            hits.append((change.beat, min(1.9, beats - change.beat) * 0.95))
        }
        hits = hits.map { h in
            // A held chord stops where the next chord starts.
            let stop = bar.changes.first { $0.beat > h.beat + 1e-9 }?.beat ?? beats
            return (h.beat, min(h.length, (stop - h.beat) * 0.98))
        }
        return hits.flatMap { hit in
            voices(at: hit.beat).map { PlannedNote(agent: index, beat: hit.beat, length: hit.length, pitch: $0, velocity: velocity) }
        }
    }
}
