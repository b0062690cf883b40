import Music

/// The lead: a short motif drawn at each phrase start, repeated and varied over the phrase
/// (transposed onto the current chord), with rests so the line breathes. It leaves space while
/// the live player plays and answers their phrase when they stop (call and response).
public final class Soloist: Agent {
    public let spec: AgentSpec
    /// Scale-degree steps and onsets (in eighths) of the current motif.
    private var motif: [(eighth: Int, step: Int, length: Int)] = []
    /// Beat on the band's timeline until which an answer to the player is sounding.
    private var answeringUntil = -Double.infinity

    public init(spec: AgentSpec) { self.spec = spec }

    private func drawMotif(density: Double, rng: inout SeededRandom) {
        // 3 to 7 distinct onsets among the bar's 8 eighths.
        let count = min(7, 3 + Int(density * 4))
        var eighths = Set<Int>([0])
        while eighths.count < count { eighths.insert(Int(rng.next() % 8)) }
        let sorted = eighths.sorted()
        var step = 0
        motif = sorted.enumerated().map { i, e in
            if i > 0 { step += [-2, -1, 1, 1, 2, 3][Int(rng.next() % 6)] }
            let next = i + 1 < sorted.count ? sorted[i + 1] : 8
            return (e, step, max(1, next - e))
        }
    }

    public func play(_ bar: BarContext, board: Blackboard, index: Int, rng: inout SeededRandom) -> [PlannedNote] {
        let position = bar.index % BandLeader.phraseLength
        if position == 0 || motif.isEmpty { drawMotif(density: bar.density, rng: &rng) }
        // Leave space for the live player, and don't talk over an answer still sounding.
        if bar.player.isPlaying { return [] }
        // Breathe: the last bar of a phrase rests unless the band is busy.
        if bar.isPhraseEnd && !rng.chance(bar.density * 0.5) { return [] }
        let variation = position == 2 ? Int(rng.next() % 3) - 1 : 0
        let octave = spec.octave + bar.mood.registerShift
        let velocity = 0.45 + 0.4 * bar.mood.energy
        // Don't collide with a drum fill: the fill's beat belongs to the drummer.
        let fillFrom = board.fillStart(beatsPerBar: bar.meter.beatsPerBar)
        return motif.compactMap { m in
            let beat = Double(m.eighth) / 2
            if bar.startBeat + beat < answeringUntil { return nil }
            if let fillFrom, beat >= fillFrom { return nil }
            let anchor = bar.chord(at: beat).degree + (position % 2 == 1 ? 2 : 0)
            return PlannedNote(agent: index, beat: beat, length: Double(m.length) / 2 * 0.9,
                               pitch: bar.key.note(degree: anchor + m.step + variation, octave: octave),
                               velocity: velocity)
        }
    }

    /// An answer to the player's phrase, starting at `beat` (note beats relative to it): their
    /// rhythm, their contour turned around (the second half inverted, as an answering phrase
    /// does), in `context.key`, starting near their last note and landing on a chord tone.
    public func answer(_ phrase: [HeardNote], at beat: Double, context: BarContext, index: Int,
                       rng: inout SeededRandom) -> [PlannedNote] {
        guard let first = phrase.first, let last = phrase.last else { return [] }
        let key = context.key
        // Rhythm: the player's onsets on a sixteenth grid, at most two bars.
        let limit = Double(context.meter.beatsPerBar * 2)
        var onsets: [Double] = []
        for n in phrase {
            let t = ((n.beat - first.beat) * 4).rounded() / 4
            if t < limit && (onsets.last.map { t > $0 } ?? true) { onsets.append(t) }
        }
        // Contour: the player's steps in scale degrees, the second half mirrored.
        let degrees = phrase.map { key.degreeNearest(to: $0.pitch) }
        var steps = zip(degrees.dropFirst(), degrees).map { $0 - $1 }
        let half = steps.count / 2
        for i in half..<steps.count where rng.chance(0.7) { steps[i] = -steps[i] }
        let octave = spec.octave + context.mood.registerShift
        let centre = key.degreeNearest(to: key.tonic.midi(octave: octave) + 7)
        // Start on the chord tone nearest the player's last note, pulled into the lead's register.
        var degree = key.degreeNearest(to: last.pitch)
        while degree - centre > 5 { degree -= 7 }
        while centre - degree > 5 { degree += 7 }
        degree = Soloist.nearestChordTone(to: degree, in: context.chord)
        var out: [PlannedNote] = []
        for (i, onset) in onsets.enumerated() {
            if i > 0 { degree += i - 1 < steps.count ? steps[i - 1] : (rng.chance(0.5) ? 1 : -1) }
            if degree - centre > 7 { degree -= 7 } else if centre - degree > 7 { degree += 7 }
            let next = i + 1 < onsets.count ? onsets[i + 1] : onset + 1
            var pitchDegree = degree
            if i == onsets.count - 1 {
                // Land on a chord tone.
                pitchDegree = Soloist.nearestChordTone(to: degree, in: context.chord)
            }
            out.append(PlannedNote(agent: index, beat: onset, length: max(0.2, (next - onset) * 0.9),
                                   pitch: key.note(degree: pitchDegree, octave: 0),
                                   velocity: min(1, 0.5 + 0.4 * context.mood.energy)))
        }
        answeringUntil = beat + (onsets.last ?? 0) + 1
        return out
    }

    /// The degree of a tone of `chord` (in any octave) nearest `degree`.
    static func nearestChordTone(to degree: Int, in chord: Chord) -> Int {
        var best = degree
        var distance = Int.max
        for tone in chord.degrees {
            let octaves = Int((Double(degree - tone) / 7).rounded())
            let candidate = tone + 7 * octaves
            if abs(candidate - degree) < distance {
                distance = abs(candidate - degree)
                best = candidate
            }
        }
        return best
    }
}
