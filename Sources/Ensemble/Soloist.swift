import Music

/// The lead: a short motif drawn at each phrase start, repeated and varied over the phrase
/// (transposed onto the current chord), with rests so the line breathes. It leaves space while
/// the live player plays and answers their phrase when they stop (call and response).
public final class Soloist: Agent {
    public let spec: AgentSpec
    /// The current motif: onset and length in sixteenths, pitch in scale steps from its anchor.
    private var motif: [(start: Int, step: Int, length: Int)] = []
    /// Beat on the band's timeline until which an answer to the player is sounding.
    private var answeringUntil = -Double.infinity
    /// The lead's own line so far, the context its style model continues.
    private var history: [MelodyStep] = []
    private var lastPitch: MIDINote?
    /// The live player's style, learned as they play (their intervals and rhythms).
    private let playerStyle = OnlineStyle(role: .lead)
    private var heardLast: (pitch: MIDINote, beat: Double, interval: Int?)?

    public init(spec: AgentSpec, prompt: [MelodyStep] = [], promptPitch: MIDINote? = nil) {
        self.spec = spec
        history = prompt
        lastPitch = promptPitch
    }

    /// Shortest note the lead plays at a density: quarters when sparse, sixteenths when busy.
    static func shortest(density: Double) -> Int { density < 0.35 ? 4 : (density < 0.65 ? 2 : 1) }

    /// A bar-long motif from the learned style: the model continues the lead's own line, in the
    /// key and the lead's range, no shorter than the density allows. Kept as scale steps from
    /// its first note so it can be moved onto the next chords.
    private func drawLearnedMotif(_ model: StyleModel, bar: BarContext, from: Int, rng: inout SeededRandom)
        -> [(start: Int, step: Int, length: Int)] {
        let octave = spec.octave + bar.mood.registerShift
        let centre = bar.key.tonic.midi(octave: octave) + 7
        let range = (centre - 9)...(centre + 9)
        let anchor = bar.key.note(degree: bar.chord.degree + 7 * Int((Double(bar.key.degreeNearest(to: lastPitch ?? centre)) / 7).rounded(.down)), octave: 0)
        var pitch = range.contains(lastPitch ?? -1) ? lastPitch! : (range.contains(anchor) ? anchor : centre)
        // Keep the model's idea of where in the bar it is in step with the band.
        let steps = bar.meter.stepsPerBar
        if let last = history.last, (last.position + last.sixteenths) % steps != from % steps { history = [] }
        let minimum = Soloist.shortest(density: bar.density)
        var position = from
        var out: [(start: Int, step: Int, length: Int)] = []
        let base = bar.key.degreeNearest(to: pitch)
        while position < steps {
            let left = steps - position
            let floor = min(minimum, left)
            let current = pitch
            let step = model.nextStep(after: history, allow: { s in
                guard s.sixteenths <= left, s.sixteenths >= floor else { return false }
                guard let i = s.interval else { return true }
                return range.contains(current + i) && bar.key.contains(current + i)
            }, rng: &rng) ?? MelodyStep(interval: nil, sixteenths: left, position: position % steps)
            history.append(step)
            if history.count > 32 { history.removeFirst(history.count - 32) }
            if let i = step.interval {
                pitch += i
                out.append((position, bar.key.degreeNearest(to: pitch) - base, step.sixteenths))
            }
            position += step.sixteenths
        }
        lastPitch = pitch
        return out
    }

    private func drawMotif(_ bar: BarContext, rng: inout SeededRandom) {
        if let model = spec.style {
            motif = drawLearnedMotif(model, bar: bar, from: 0, rng: &rng)
            return
        }
        // By rule: 3 to 7 distinct onsets among the bar's 8 eighths.
        let count = min(7, 3 + Int(bar.density * 4))
        var eighths = Set<Int>([0])
        while eighths.count < count { eighths.insert(Int(rng.next() % 8)) }
        let sorted = eighths.sorted()
        var step = 0
        motif = sorted.enumerated().map { i, e in
            if i > 0 { step += [-2, -1, 1, 1, 2, 3][Int(rng.next() % 6)] }
            let next = i + 1 < sorted.count ? sorted[i + 1] : 8
            return (e * 2, step, max(1, next - e) * 2)
        }
    }

    public func play(_ bar: BarContext, board: Blackboard, index: Int, rng: inout SeededRandom) -> [PlannedNote] {
        let position = bar.index % BandLeader.phraseLength
        if position == 0 || motif.isEmpty { drawMotif(bar, rng: &rng) }
        // Leave space for the live player, and don't talk over an answer still sounding.
        if bar.player.isPlaying { return [] }
        // Breathe: the last bar of a phrase rests unless the band is busy.
        if bar.isPhraseEnd && !rng.chance(bar.density * 0.5) { return [] }
        var shape = motif
        var variation = 0
        if position == 2 {
            // Vary the motif: the learned style rewrites its second half; the rules shift it.
            if let model = spec.style {
                shape = motif.filter { $0.start < 8 } + drawLearnedMotif(model, bar: bar, from: 8, rng: &rng)
            } else {
                variation = Int(rng.next() % 3) - 1
            }
        }
        let octave = spec.octave + bar.mood.registerShift
        let velocity = 0.45 + 0.4 * bar.mood.energy
        // Don't collide with a drum fill: the fill's beat belongs to the drummer.
        let fillFrom = board.fillStart(beatsPerBar: bar.meter.beatsPerBar)
        return shape.compactMap { m in
            let beat = Double(m.start) / 4
            if bar.startBeat + beat < answeringUntil { return nil }
            if let fillFrom, beat >= fillFrom { return nil }
            let anchor = bar.chord(at: beat).degree + (position % 2 == 1 ? 2 : 0)
            return PlannedNote(agent: index, beat: beat, length: Double(m.length) / 4 * 0.9,
                               pitch: bar.key.note(degree: anchor + m.step + variation, octave: octave),
                               velocity: velocity)
        }
    }

    /// Learns the player's style as they play: each note-on completes the step before it.
    public func hear(pitch: MIDINote, isOn: Bool, beat: Double) {
        guard isOn else { return }
        if let last = heardLast {
            let gap = beat - last.beat
            if gap > 4 {
                playerStyle.breakPhrase()
            } else {
                let length = min(16, max(1, Int((gap * 4).rounded())))
                let position = Int((last.beat * 4).rounded()) % 16
                playerStyle.learn(MelodyStep(interval: last.interval, sixteenths: length, position: (position + 16) % 16))
            }
        }
        // Leaps beyond an octave count as an octave, as the corpus models count them.
        heardLast = (pitch, beat, heardLast.map { max(-12, min(12, pitch - $0.pitch)) })
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
        // Once the player's style has been heard for a while, the answer's intervals come from
        // it (in the key, within a tenth of the lead's centre); before that, from the contour.
        let learned = playerStyle.model.symbolCount >= 12
        var line: [MelodyStep] = []
        let centrePitch = key.note(degree: centre, octave: 0)
        for (i, onset) in onsets.enumerated() {
            let next = i + 1 < onsets.count ? onsets[i + 1] : onset + 1
            if i > 0 {
                let length = min(16, max(1, Int(((onset - onsets[i - 1]) * 4).rounded())))
                let from = key.note(degree: degree, octave: 0)
                let position = (Int((onsets[i - 1] * 4).rounded()) + Int((beat * 4).rounded())) % 16
                let step = learned ? playerStyle.nextStep(after: line, allow: { s in
                    guard let iv = s.interval, s.sixteenths == length else { return false }
                    return key.contains(from + iv) && abs(from + iv - centrePitch) <= 10
                }, rng: &rng) : nil
                if let step, let iv = step.interval {
                    degree = key.degreeNearest(to: from + iv)
                    line.append(MelodyStep(interval: iv, sixteenths: length, position: position))
                } else {
                    degree += i - 1 < steps.count ? steps[i - 1] : (rng.chance(0.5) ? 1 : -1)
                }
            }
            if degree - centre > 7 { degree -= 7 } else if centre - degree > 7 { degree += 7 }
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
