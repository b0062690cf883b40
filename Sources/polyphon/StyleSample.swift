import Ensemble
import Music

/// What a style model plays, as text: note names per bar, a drum grid, or a progression.
enum StyleSample {
    static func text(_ model: StyleModel, bars: Int, key: Key, seed: UInt64) -> String {
        var rng = SeededRandom(seed: seed, stream: "style-sample")
        let bar = model.barSteps
        switch model.role {
        case .lead, .bass, .texture:
            let start = key.note(degree: 0, octave: model.role == .lead ? 5 : 2)
            let range = model.role == .lead ? (start - 5)...(start + 16) : (start - 5)...(start + 14)
            let notes = model.line(after: [MelodyStep(interval: 0, sixteenths: 4, position: bar - 4)], from: start,
                                   key: key, range: range, sixteenths: bars * bar, rng: &rng)
            var lines: [String] = []
            var current = ""
            for n in notes {
                if n.step.position == 0 && !current.isEmpty { lines.append("| " + current); current = "" }
                let name = n.pitch.map { "\(PitchClass($0))\($0 / 12 - 1)" } ?? "rest"
                current += "\(name)/\(n.step.sixteenths) "
            }
            if !current.isEmpty { lines.append("| " + current) }
            return "in \(key) (note/length in sixteenths, one bar a line):\n" + lines.joined(separator: "\n")
        case .drums:
            var steps: [UInt16] = []
            for t in 0..<(bars * bar) {
                steps.append(model.nextDrumStep(after: steps, position: t % bar, phraseEnd: (t / bar) % 4 == 3, rng: &rng))
            }
            var out: [String] = []
            for c in DrumClass.allCases where steps.contains(where: { $0 & c.bit != 0 }) {
                let row = steps.enumerated().map { t, s in (t % bar == 0 ? "|" : "") + (s & c.bit != 0 ? "x" : ".") }.joined()
                out.append("\(c)".padding(toLength: 11, withPad: " ", startingAt: 0) + row + "|")
            }
            return out.joined(separator: "\n")
        case .harmony:
            var out: [String] = []
            for minor in [false, true] {
                var chords: [ChordSymbol] = []
                for _ in 0..<(bars * 2) { chords.append(model.nextChord(after: chords, minor: minor, rng: &rng)) }
                out.append((minor ? "minor: " : "major: ") + chords.map(\.description).joined(separator: " "))
            }
            return out.joined(separator: "\n")
        }
    }
}
