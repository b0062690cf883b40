import Music

/// Plays a kit on a sixteenth grid: kick and backbeat always, hats and ghost notes that thicken
/// with density, four-on-the-floor when the mood is aroused, fills at phrase ends.
///
/// With a learned groove model the kick and backbeat stay as the arranger wants them, and the
/// model plays the rest: hats, ride, rim, percussion, ghost notes and extra kicks, step by step
/// from what it played before, thinned to the density.
public final class Drummer: Agent {
    public let spec: AgentSpec
    /// The sixteenth steps played so far (hit masks), the groove model's context.
    private var groove: [UInt16] = []

    public init(spec: AgentSpec) { self.spec = spec }

    /// The learned groove's hits for one bar, as masks per sixteenth.
    private func learnedBar(_ model: StyleModel, steps: Int, rng: inout SeededRandom) -> [UInt16] {
        var bar: [UInt16] = []
        for step in 0..<steps {
            let mask = model.nextDrumStep(after: groove, position: step * 16 / steps, rng: &rng)
            bar.append(mask)
            groove.append(mask)
        }
        if groove.count > 64 { groove.removeFirst(groove.count - 64) }
        return bar
    }

    public func play(_ bar: BarContext, board: Blackboard, index: Int, rng: inout SeededRandom) -> [PlannedNote] {
        let d = bar.density
        let spb = bar.meter.stepsPerBeat
        let steps = bar.meter.stepsPerBar
        let energy = bar.mood.energy
        var notes: [PlannedNote] = []
        func hit(_ step: Int, _ pitch: MIDINote, _ velocity: Double) {
            notes.append(PlannedNote(agent: index, beat: Double(step) / Double(spb), length: 0.25,
                                     pitch: pitch, velocity: min(1, max(0.05, velocity))))
        }
        let fill = bar.isPhraseEnd && d > 0.4
        let fillStart = steps - spb
        // Kick: downbeats, four on the floor with arousal, syncopations with density.
        for step in stride(from: 0, to: steps, by: spb) {
            let onFloor = bar.mood.arousal > 0.3 || d > 0.75
            if step % (2 * spb) == 0 || onFloor { hit(step, DrumNote.kick, energy * 0.95 + 0.05) }
        }
        for step in [spb * 2 + 2, steps - 2] where !fill && rng.chance(d * 0.45) {
            hit(step, DrumNote.kick, energy * 0.75)
        }
        // Backbeat.
        if d > 0.15 {
            for beat in stride(from: 1, to: bar.meter.beatsPerBar, by: 2) where !(fill && beat * spb >= fillStart) {
                hit(beat * spb, DrumNote.snare, energy * 0.9 + 0.1)
                if bar.mood.valence > 0.3 && d > 0.5 { hit(beat * spb, DrumNote.clap, energy * 0.6) }
            }
        }
        // Hats: quarters, eighths, then sixteenths as density rises.
        let hatEvery = d < 0.3 ? spb : (d < 0.6 ? spb / 2 : 1)
        if let model = spec.style {
            let learned = learnedBar(model, steps: steps, rng: &rng)
            let fillFrom = fill ? fillStart : steps
            for (step, mask) in learned.enumerated() where step < fillFrom {
                let accent = step % spb == 0 ? 1.0 : 0.7
                let onGrid = step % hatEvery == 0
                func has(_ c: DrumClass) -> Bool { mask & c.bit != 0 }
                // Hats and ride on the density's grid; the learned off-grid ones only when busy.
                if has(.openHat) && (onGrid || d > 0.7) {
                    hit(step, DrumNote.openHat, energy * 0.55 * accent + 0.05)
                } else if (has(.closedHat) || has(.ride)) && (onGrid || d > 0.7) {
                    hit(step, DrumNote.closedHat, energy * 0.6 * accent + 0.05)
                } else if onGrid && d >= 0.3 && !has(.closedHat) && rng.chance(0.5) {
                    // Keep time where the model left a hole on the density's grid.
                    hit(step, DrumNote.closedHat, energy * 0.45 * accent + 0.05)
                }
                if has(.percussion) && d > 0.45 { hit(step, DrumNote.cowbell, energy * 0.45) }
                if has(.rim) && d > 0.5 && step % spb != 0 { hit(step, DrumNote.snare, energy * 0.3) }
                if has(.kick) && d > 0.55 && step % spb != 0 && !notes.contains(where: { $0.pitch == DrumNote.kick && abs($0.beat - Double(step) / Double(spb)) < 0.3 }) {
                    hit(step, DrumNote.kick, energy * 0.7)
                }
            }
        }
        for step in stride(from: 0, to: steps, by: hatEvery) where spec.style == nil {
            if hatEvery == 1 && step % 2 == 1 && !rng.chance(0.4 + d * 0.6) { continue }
            let accent = step % spb == 0 ? 1.0 : 0.7
            let open = step == steps - 2 && d > 0.45 && rng.chance(0.5)
            hit(step, open ? DrumNote.openHat : DrumNote.closedHat, energy * 0.6 * accent + 0.05)
        }
        // Ghost snares at high density.
        if d > 0.55 {
            for step in 0..<steps where step % spb != 0 && !fill && rng.chance((d - 0.55) * 0.3) {
                hit(step, DrumNote.snare, energy * 0.3)
            }
        }
        // Fill: a rising snare run over the last beat of the phrase.
        // At higher density the run moves down the toms, high to low.
        if fill {
            let toms = [DrumNote.highTom, DrumNote.midTom, DrumNote.lowTom]
            for step in fillStart..<steps where step % 2 == 0 || d > 0.7 {
                let along = Double(step - fillStart) / Double(spb)
                let pitch = d > 0.6 && along >= 0.25 ? toms[min(2, Int((along - 0.25) * 4))] : DrumNote.snare
                hit(step, pitch, energy * (0.5 + 0.5 * along))
            }
        }
        return notes.sorted { $0.beat < $1.beat }
    }
}
