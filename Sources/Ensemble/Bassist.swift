import Music

/// Locks to the kick: a chord tone on every kick the drummer chose, eighth-note motion at higher
/// density, and a diatonic approach note into the next bar's root.
public final class Bassist: Agent {
    public let spec: AgentSpec

    public init(spec: AgentSpec) { self.spec = spec }

    public func play(_ bar: BarContext, board: Blackboard, index: Int, rng: inout SeededRandom) -> [PlannedNote] {
        let d = bar.density
        let spb = bar.meter.stepsPerBeat
        let steps = bar.meter.stepsPerBar
        var onsets = Set(board.kickSteps(stepsPerBeat: spb))
        if onsets.isEmpty { onsets.insert(0) }
        if d > 0.45 {
            for step in stride(from: spb / 2, to: steps, by: spb) where rng.chance((d - 0.45) * 1.6) { onsets.insert(step) }
        }
        if d > 0.8 {
            for step in stride(from: 0, to: steps, by: spb / 2) { onsets.insert(step) }
        }
        let approach = d > 0.5 && bar.nextChord.degree != bar.chord.degree
        if approach { onsets.insert(steps - spb / 2) }
        let sorted = onsets.sorted()
        var notes: [PlannedNote] = []
        for (i, step) in sorted.enumerated() {
            let next = i + 1 < sorted.count ? sorted[i + 1] : steps
            let beat = Double(step) / Double(spb)
            let chord = bar.chord(at: beat)
            let root = chord.degree
            let degree: Int
            if approach && step == steps - spb / 2 {
                // A scale step below or above the next root.
                degree = bar.nextChord.degree + (rng.chance(0.5) ? -1 : 1)
            } else if step == 0 || step % (spb * 2) == 0 || bar.changes.contains(where: { $0.beat == beat }) {
                degree = root
            } else {
                let tones = [root, root + 4, root + 7, root + 2]
                degree = tones[Int(rng.next() % UInt64(d > 0.6 ? 4 : 3))]
            }
            let length = Double(next - step) / Double(spb) * 0.85
            let velocity = bar.mood.energy * (step % spb == 0 ? 1.0 : 0.8)
            notes.append(PlannedNote(agent: index, beat: beat, length: length,
                                     pitch: bar.key.note(degree: degree, octave: spec.octave), velocity: velocity))
        }
        return notes
    }
}
