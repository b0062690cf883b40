import Music

/// The lead: a short motif drawn at each phrase start, repeated and varied over the phrase
/// (transposed onto the current chord), with rests so the line breathes.
public final class Soloist: Agent {
    public let spec: AgentSpec
    /// Scale-degree steps and onsets (in eighths) of the current motif.
    private var motif: [(eighth: Int, step: Int, length: Int)] = []

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
        // Breathe: the last bar of a phrase rests unless the band is busy.
        if bar.isPhraseEnd && !rng.chance(bar.density * 0.5) { return [] }
        let variation = position == 2 ? Int(rng.next() % 3) - 1 : 0
        let anchor = bar.chord.degree + (position % 2 == 1 ? 2 : 0)
        let velocity = 0.45 + 0.4 * bar.mood.energy
        return motif.map { m in
            PlannedNote(agent: index, beat: Double(m.eighth) / 2, length: Double(m.length) / 2 * 0.9,
                        pitch: bar.key.note(degree: anchor + m.step + variation, octave: spec.octave),
                        velocity: velocity)
        }
    }
}
