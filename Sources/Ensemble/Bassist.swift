import Music

/// Locks to the kick: the root on the downbeats and chord changes, a note on every kick the
/// drummer chose, eighth-note motion at higher density, and a diatonic approach note into the
/// next bar's root. Between the roots, the learned style (chorale bass lines by default) picks
/// the line's steps, kept in the key and the bass register.
public final class Bassist: Agent {
    public let spec: AgentSpec
    /// The bass line so far, the context its style model continues.
    private var history: [MelodyStep] = []
    private var lastPitch: MIDINote?

    public init(spec: AgentSpec) { self.spec = spec }

    /// The next pitch from the learned style, or nil when it offers nothing that fits.
    private func learnedPitch(_ model: StyleModel, from pitch: MIDINote, key: Key, position: Int,
                              rng: inout SeededRandom) -> MIDINote? {
        let low = key.tonic.midi(octave: spec.octave) - 5, high = low + 19
        if let last = history.last, (last.position + last.sixteenths) % 16 != position { history = [] }
        let step = model.nextStep(after: history, allow: { s in
            guard let i = s.interval, i != 0 || !history.isEmpty else { return false }
            return key.contains(pitch + i) && (low...high).contains(pitch + i)
        }, rng: &rng)
        return step?.interval.map { pitch + $0 }
    }

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
            var learned: MIDINote?
            if approach && step == steps - spb / 2 {
                // A scale step below or above the next root.
                degree = bar.nextChord.degree + (rng.chance(0.5) ? -1 : 1)
            } else if step == 0 || step % (spb * 2) == 0 || bar.changes.contains(where: { $0.beat == beat }) {
                degree = root
            } else {
                let tones = [root, root + 4, root + 7, root + 2]
                degree = tones[Int(rng.next() % UInt64(d > 0.6 ? 4 : 3))]
                if let model = spec.style, let from = lastPitch {
                    learned = learnedPitch(model, from: from, key: bar.key, position: step * 16 / steps % 16, rng: &rng)
                }
            }
            let pitch = learned ?? bar.key.note(degree: degree, octave: spec.octave)
            let length = Double(next - step) / Double(spb) * 0.85
            let velocity = bar.mood.energy * (step % spb == 0 ? 1.0 : 0.8)
            notes.append(PlannedNote(agent: index, beat: beat, length: length, pitch: pitch, velocity: velocity))
            // The line as the style model will hear it: interval, length and place in the bar.
            let sixteenths = max(1, min(16, (next - step) * 16 / steps))
            history.append(MelodyStep(interval: lastPitch.map { pitch - $0 }.map { max(-12, min(12, $0)) },
                                      sixteenths: sixteenths, position: step * 16 / steps % 16))
            if history.count > 32 { history.removeFirst(history.count - 32) }
            lastPitch = pitch
        }
        return notes
    }
}
