import Foundation
import Music

/// What the agents call: sampling the next step of a part, and scoring a line.
extension StyleModel {
    /// Next melodic step given the recent steps (most recent last); `allow` filters candidates
    /// (e.g. in key, in range); nil if nothing allowed.
    public func nextStep(after history: [MelodyStep], allow: (MelodyStep) -> Bool, rng: inout SeededRandom) -> MelodyStep? {
        let candidates = stepProbabilities(after: history).filter { allow($0.step) }
        guard !candidates.isEmpty else { return nil }
        return candidates[sample(candidates.map(\.probability), rng: &rng)].step
    }

    /// Every possible next step with its probability under the model (summing to 1), position
    /// fixed by the history.
    public func stepProbabilities(after history: [MelodyStep]) -> [(step: MelodyStep, probability: Double)] {
        guard let pitch = tables["pitch"], let rhythm = tables["rhythm"] else { return [] }
        let position = nextPosition(after: history)
        let slice = history.suffix(order)
        let ps = pitch.distribution(pitchContext(slice, position: position))
        let rs = rhythm.distribution(rhythmContext(slice, position: position))
        var out: [(step: MelodyStep, probability: Double)] = []
        out.reserveCapacity(ps.count * rs.count)
        for (i, symbol) in pitch.alphabet.enumerated() {
            for (j, length) in rhythm.alphabet.enumerated() {
                let step = MelodyStep(interval: symbol == Self.restSymbol ? nil : symbol, sixteenths: length, position: position)
                out.append((step, ps[i] * rs[j]))
            }
        }
        return out
    }

    /// Natural log of the probability of `steps` under the model, each step given the ones
    /// before it (its own position as written, so a line that starts off the bar line scores fairly).
    public func logLikelihood(of steps: [MelodyStep]) -> Double {
        logLikelihood(of: steps, after: [])
    }

    /// The same, for `steps` continuing `prompt` (the prompt itself is not scored).
    public func logLikelihood(of steps: [MelodyStep], after prompt: [MelodyStep]) -> Double {
        guard let pitch = tables["pitch"], let rhythm = tables["rhythm"] else { return -.infinity }
        let line = prompt + steps
        var total = 0.0
        for t in prompt.count..<line.count {
            let history = line[max(0, t - order)..<t]
            let step = line[t]
            let p = pitch.probability(of: Self.symbol(step), after: pitchContext(history, position: step.position))
            let r = rhythm.probability(of: step.sixteenths, after: rhythmContext(history, position: step.position))
            total += log(max(p, 1e-12)) + log(max(r, 1e-12))
        }
        return total
    }

    /// The drum hits (a `DrumClass` bitmask) for the sixteenth at `position`, given the
    /// previous steps (most recent last; a bar or more lets the groove repeat itself).
    public func nextDrumStep(after history: [UInt16], position: Int, rng: inout SeededRandom) -> UInt16 {
        nextDrumStep(after: history, position: position, phraseEnd: false, rng: &rng)
    }

    /// The same, in the last bar of a phrase when `phraseEnd` is set: where the corpus fills.
    public func nextDrumStep(after history: [UInt16], position: Int, phraseEnd: Bool, rng: inout SeededRandom) -> UInt16 {
        guard let table = tables["drums"], !table.alphabet.isEmpty else { return 0 }
        let p = table.distribution(drumContext(history.suffix(barSteps + order), position: position % barSteps, phraseEnd: phraseEnd))
        return UInt16(truncatingIfNeeded: table.alphabet[sample(p, rng: &rng)])
    }

    /// Probability that the step at `position` contains every class in `mask`.
    public func drumProbability(of mask: UInt16, after history: [UInt16], position: Int, phraseEnd: Bool = false) -> Double {
        guard let table = tables["drums"] else { return 0 }
        let p = table.distribution(drumContext(history.suffix(barSteps + order), position: position % barSteps, phraseEnd: phraseEnd))
        return zip(table.alphabet, p).filter { UInt16(truncatingIfNeeded: $0.0) & mask == mask }.map(\.1).reduce(0, +)
    }

    /// The next chord of a progression, relative to the key, given the chords so far.
    /// Chords below 2% are left out: they are mostly the smoothing's share and the chord
    /// finder's mistakes (a passing tone read as a seventh), not the style.
    public func nextChord(after history: [ChordSymbol], minor: Bool, rng: inout SeededRandom) -> ChordSymbol {
        nextChord(after: history, minor: minor, floor: 0.02, rng: &rng)
    }

    /// The same with a settable floor (0 samples the full smoothed distribution).
    public func nextChord(after history: [ChordSymbol], minor: Bool, floor: Double, rng: inout SeededRandom) -> ChordSymbol {
        let all = chordProbabilities(after: history, minor: minor)
        let kept = all.filter { $0.probability >= floor }
        let options = kept.isEmpty ? all : kept
        guard !options.isEmpty else { return ChordSymbol(degree: 0, quality: minor ? .minor : .major) }
        return options[sample(options.map(\.probability), rng: &rng)].chord
    }

    /// Every chord with its probability after `history`, most likely first.
    public func chordProbabilities(after history: [ChordSymbol], minor: Bool) -> [(chord: ChordSymbol, probability: Double)] {
        guard let table = tables["chords"] else { return [] }
        let p = table.distribution(chordContext(history.suffix(order), minor: minor))
        return zip(table.alphabet, p).compactMap { code, prob in ChordSymbol(code: code).map { ($0, prob) } }
            .sorted { $0.probability > $1.probability }
    }
}

/// Index drawn in proportion to `weights` (which need not sum to 1).
func sample(_ weights: [Double], rng: inout SeededRandom) -> Int {
    let total = weights.reduce(0, +)
    guard total > 0 else { return Int(rng.next() % UInt64(max(1, weights.count))) }
    var x = rng.unit() * total
    for (i, w) in weights.enumerated() {
        x -= w
        if x < 0 { return i }
    }
    return weights.count - 1
}
