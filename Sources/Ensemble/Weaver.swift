import Music

/// The texture part: pads and arpeggios above the band. Calm, sparse moments get slow pad
/// chords in a high register; busier, aroused ones get arpeggios of the chord tones whose speed
/// follows density. It thins to a pad while the lead or the live player is busy, so the texture
/// never competes with a melody.
public final class Weaver: Agent {
    public let spec: AgentSpec
    /// Arpeggio shape for the phrase: 0 up, 1 down, 2 up and down.
    private var shape = 0

    public init(spec: AgentSpec) { self.spec = spec }

    public func play(_ bar: BarContext, board: Blackboard, index: Int, rng: inout SeededRandom) -> [PlannedNote] {
        if bar.index % BandLeader.phraseLength == 0 { shape = Int(rng.next() % 3) }
        let beats = Double(bar.meter.beatsPerBar)
        let octave = spec.octave + bar.mood.registerShift
        let leadNotes = board.currentBar.filter { $0.agent != index && $0.pitch >= bar.key.tonic.midi(octave: 4) }
        let melodyBusy = bar.player.isPlaying || leadNotes.count >= 6
        let velocity = 0.25 + 0.35 * bar.mood.energy
        var notes: [PlannedNote] = []
        let arpeggiate = bar.density > 0.35 && bar.mood.arousal > -0.3 && !melodyBusy
        for (i, change) in bar.changes.enumerated() {
            let end = i + 1 < bar.changes.count ? bar.changes[i + 1].beat : beats
            let chord = Chord(key: bar.key, degree: change.chord.degree, size: 4)
            let tones = chord.degrees.map { bar.key.note(degree: $0, octave: octave) }
            if !arpeggiate {
                // Pad: root, fifth and seventh or ninth, spread an octave apart at the top.
                let pad = [tones[0], tones[2], tones[3] + (bar.mood.valence > 0 ? 0 : -12)]
                for p in Set(pad).sorted() {
                    notes.append(PlannedNote(agent: index, beat: change.beat, length: (end - change.beat) * 0.97,
                                             pitch: p, velocity: velocity * 0.8))
                }
                continue
            }
            // Arpeggio: eighths, or sixteenths when the band is busy.
            let step = bar.density > 0.7 ? 0.25 : 0.5
            let cycle: [MIDINote] = switch shape {
            case 0: tones + [tones[0] + 12]
            case 1: ([tones[0] + 12] + tones).reversed()
            default: tones + [tones[0] + 12] + tones.dropFirst().dropLast().reversed()
            }
            var beat = change.beat
            var k = 0
            while beat < end - 1e-9 {
                let accent = beat.truncatingRemainder(dividingBy: 1) == 0 ? 1.0 : 0.8
                notes.append(PlannedNote(agent: index, beat: beat, length: step * 0.9,
                                         pitch: cycle[k % cycle.count], velocity: velocity * accent))
                beat += step
                k += 1
            }
        }
        return notes
    }
}
