import Ensemble
import Foundation
import Music

/// A corpus melody kept out of training: its key, first pitch and steps (the first bars).
public struct HeldOutTune: Sendable {
    public var name: String
    public var key: Key
    public var firstPitch: Int
    public var steps: [MelodyStep]

    public init(name: String, key: Key, firstPitch: Int, steps: [MelodyStep]) {
        self.name = name
        self.key = key
        self.firstPitch = firstPitch
        self.steps = steps
    }

    /// The steps that start in the first `bars` bars.
    public func bars(_ bars: Int, barSteps: Int = 16) -> [MelodyStep] {
        var at = 0
        var out: [MelodyStep] = []
        for s in steps {
            if at >= bars * barSteps - steps[0].position { break }
            out.append(s)
            at += s.sixteenths
        }
        return out
    }

    /// One line: `tune NAME | D ionian | 62 | +0/2@0 +2/2@2 ...`.
    public var line: String {
        "tune \(name.replacingOccurrences(of: "|", with: "/")) | \(key) | \(firstPitch) | " + steps.map(\.description).joined(separator: " ")
    }

    public static func parse(_ text: String, file: String = "<memory>") throws -> [HeldOutTune] {
        var tunes: [HeldOutTune] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            func fail(_ m: String) -> StyleModelFileError { StyleModelFileError(file: file, line: i + 1, message: m) }
            let fields = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 4, fields[0].hasPrefix("tune ") else { throw fail("expected 'tune NAME | KEY | FIRST PITCH | STEPS'") }
            guard let key = Key(parsing: fields[1]) else { throw fail("expected a key such as 'D ionian', found '\(fields[1])'") }
            guard let pitch = Int(fields[2]), (0...127).contains(pitch) else { throw fail("expected a MIDI pitch, found '\(fields[2])'") }
            var steps: [MelodyStep] = []
            for word in fields[3].split(separator: " ") {
                guard let s = MelodyStep(parsing: word) else { throw fail("expected a step like '+2/4@0' or 'r/2@6', found '\(word)'") }
                steps.append(s)
            }
            tunes.append(HeldOutTune(name: String(fields[0].dropFirst(5)), key: key, firstPitch: pitch, steps: steps))
        }
        return tunes
    }
}

/// How close continuations stay to a corpus: each held-out tune's first bars are the prompt;
/// the model continues it (in key and in the prompt's range, as an agent would ask), and so
/// does a player of random in-key notes. Both, and the tune's own continuation, are scored by
/// - log-likelihood per step under the model (natural log; kind to the model's own output, so
///   it is a consistency check more than evidence), and
/// - interval-trigram overlap: the share of the continuation's 3-interval figures that occur
///   in the *other* held-out tunes, which the model never saw — the independent measure.
public struct StyleEvaluation: Sendable, CustomStringConvertible {
    public struct Score: Sendable {
        public var logLikelihoodPerStep: Double
        public var trigramOverlap: Double
    }

    public var generated: Score
    public var randomInKey: Score
    public var corpus: Score
    public var tunes: Int
    public var promptBars: Int
    public var totalBars: Int

    public var description: String {
        func row(_ name: String, _ s: Score) -> String {
            name.padding(toLength: 22, withPad: " ", startingAt: 0)
                + String(format: "%8.2f   %6.1f%%", s.logLikelihoodPerStep, 100 * s.trigramOverlap)
        }
        return """
        \(tunes) held-out tunes, prompt \(promptBars) bars, continuation to bar \(totalBars)
        continuation          log-lik/step  trigram overlap with other held-out tunes
        \(row("model-generated", generated))
        \(row("random in key", randomInKey))
        \(row("held-out corpus", corpus))
        """
    }

    public static func run(model: StyleModel, tunes: [HeldOutTune], promptBars: Int = 4, totalBars: Int = 8,
                           seed: UInt64 = 1, takes: Int = 5) -> StyleEvaluation {
        let bar = model.barSteps
        let lines = tunes.map { $0.bars(totalBars, barSteps: bar) }
        let trigramSets = lines.map { Set(trigrams($0)) }
        var sums = [Sum(), Sum(), Sum()]
        var rng = SeededRandom(seed: seed, stream: "style-evaluation")
        for (i, tune) in tunes.enumerated() {
            let line = lines[i]
            let prompt = tune.bars(promptBars, barSteps: bar)
            let truth = Array(line.dropFirst(prompt.count))
            guard prompt.count >= 2, !truth.isEmpty else { continue }
            let length = truth.map(\.sixteenths).reduce(0, +)
            var others: Set<[Int]> = []
            for j in tunes.indices where j != i { others.formUnion(trigramSets[j]) }
            var pitch = tune.firstPitch
            for s in prompt.dropFirst() { pitch += s.interval ?? 0 }
            let sounding = prompt.indices.compactMap { k -> Int? in
                prompt[k].interval == nil ? nil : tune.firstPitch + prompt[...k].dropFirst().compactMap(\.interval).reduce(0, +)
            }
            let low = (sounding.min() ?? pitch) - 3, high = (sounding.max() ?? pitch) + 3
            let lengths = prompt.filter { $0.interval != nil }.map(\.sixteenths)

            func score(_ cont: [MelodyStep], into k: Int) {
                sums[k].ll += model.logLikelihood(of: cont, after: prompt)
                sums[k].steps += cont.count
                let grams = trigrams(Array(prompt.suffix(2)) + cont)
                sums[k].grams += grams.count
                sums[k].hits += grams.filter { others.contains($0) }.count
            }
            for _ in 0..<takes {
                score(continuation(model: model, prompt: prompt, from: pitch, key: tune.key, range: low...high,
                               length: length, rng: &rng), into: 0)
                score(randomLine(after: prompt, from: pitch, key: tune.key, range: low...high, lengths: lengths,
                                 length: length, barSteps: bar, rng: &rng), into: 1)
            }
            score(truth, into: 2)
        }
        func result(_ s: Sum) -> Score {
            Score(logLikelihoodPerStep: s.ll / Double(max(1, s.steps)), trigramOverlap: Double(s.hits) / Double(max(1, s.grams)))
        }
        return StyleEvaluation(generated: result(sums[0]), randomInKey: result(sums[1]), corpus: result(sums[2]),
                               tunes: tunes.count, promptBars: promptBars, totalBars: totalBars)
    }

    /// The model's continuation, as an agent would ask for it: in key, in range, filling `length`.
    public static func continuation(model: StyleModel, prompt: [MelodyStep], from start: Int, key: Key,
                                    range: ClosedRange<Int>, length: Int, rng: inout SeededRandom) -> [MelodyStep] {
        model.line(after: prompt, from: start, key: key, range: range, sixteenths: length, rng: &rng).map(\.step)
    }

    struct Sum {
        var ll = 0.0, steps = 0, hits = 0, grams = 0
    }

    /// Random notes of the key in range, with lengths drawn from the prompt's note lengths.
    static func randomLine(after prompt: [MelodyStep], from start: Int, key: Key, range: ClosedRange<Int>,
                           lengths: [Int], length: Int, barSteps: Int, rng: inout SeededRandom) -> [MelodyStep] {
        let notes = range.filter { key.contains($0) }
        var pitch = start
        var left = length
        var position = prompt.last.map { ($0.position + $0.sixteenths) % barSteps } ?? 0
        var out: [MelodyStep] = []
        while left > 0 {
            let l = min(left, lengths.isEmpty ? 2 : lengths[Int(rng.next() % UInt64(lengths.count))])
            let next = notes.isEmpty ? pitch : notes[Int(rng.next() % UInt64(notes.count))]
            out.append(MelodyStep(interval: next - pitch, sixteenths: l, position: position))
            pitch = next
            left -= l
            position = (position + l) % barSteps
        }
        return out
    }

    /// Consecutive triples of intervals (rests as 99), the figures a fiddler's ear knows.
    static func trigrams(_ steps: [MelodyStep]) -> [[Int]] {
        let symbols = steps.map { $0.interval ?? 99 }
        guard symbols.count >= 3 else { return [] }
        return (0...(symbols.count - 3)).map { Array(symbols[$0..<$0 + 3]) }
    }
}
