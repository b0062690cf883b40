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
        let voices = voicing(bar.chord, key: bar.key, sevenths: bar.mood.valence > 0 && bar.mood.arousal < 0.5)
        lastVoicing = voices
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
        return rhythm.flatMap { hit in
            voices.map { PlannedNote(agent: index, beat: hit.beat, length: hit.length, pitch: $0, velocity: velocity) }
        }
    }
}
