import Ensemble
import Foundation
import Music
import StyleTraining
import Testing

/// The models shipped in Patches/models: they load, and they play like their corpus.
@Suite struct CommittedModelTests {
    @Test(arguments: [("fiddle-lead", Role.lead), ("chorale-bass", .bass), ("chorale-harmony", .harmony), ("grooves-drums", .drums)])
    func loadsWithItsRole(name: String, role: Role) throws {
        let model = try StyleModel.load(contentsOf: modelPath(name))
        #expect(model.role == role)
        #expect(model.files > 20 && model.symbolCount > 10_000)
        #expect(model.summary.hasPrefix("\(role.rawValue): "))
        let size = try FileManager.default.attributesOfItem(atPath: modelPath(name))[.size] as! Int
        #expect(size < 2_000_000)
    }

    /// The measure: continuations of held-out tunes' first 4 bars stay closer to the
    /// corpus than random in-key notes, by log-likelihood and by trigram overlap with other tunes.
    @Test func leadContinuationsStayCloserToTheCorpusThanRandomNotes() throws {
        let model = try StyleModel.load(contentsOf: modelPath("fiddle-lead"))
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/heldout-fiddle.txt").path
        let tunes = try HeldOutTune.parse(String(contentsOfFile: path, encoding: .utf8), file: path)
        #expect(tunes.count >= 20)
        let e = StyleEvaluation.run(model: model, tunes: tunes, promptBars: 4, totalBars: 8, seed: 1, takes: 5)
        print(e)
        #expect(e.generated.logLikelihoodPerStep > e.randomInKey.logLikelihoodPerStep + 2)
        #expect(e.generated.trigramOverlap > 3 * e.randomInKey.trigramOverlap)
        // Sanity of the yardstick: the real continuations also beat random notes on both.
        #expect(e.corpus.logLikelihoodPerStep > e.randomInKey.logLikelihoodPerStep + 2)
        #expect(e.corpus.trigramOverlap > 3 * e.randomInKey.trigramOverlap)
    }

    /// The same measure for the bass, on chorales kept out of its training.
    @Test func bassContinuationsStayCloserToTheChoralesThanRandomNotes() throws {
        let model = try StyleModel.load(contentsOf: modelPath("chorale-bass"))
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/heldout-chorale-bass.txt").path
        let tunes = try HeldOutTune.parse(String(contentsOfFile: path, encoding: .utf8), file: path)
        #expect(tunes.count >= 20)
        let e = StyleEvaluation.run(model: model, tunes: tunes, promptBars: 4, totalBars: 8, seed: 1, takes: 5)
        print(e)
        #expect(e.generated.logLikelihoodPerStep > e.randomInKey.logLikelihoodPerStep + 2)
        #expect(e.generated.trigramOverlap > 3 * e.randomInKey.trigramOverlap)
    }

    /// Over many performances (each settles into one groove), kicks land on the beats.
    @Test func drummerPutsKicksOnStrongBeats() throws {
        let model = try StyleModel.load(contentsOf: modelPath("grooves-drums"))
        var kicks = [Int](repeating: 0, count: 16)
        let runs = 48
        for seed in 0..<runs {
            var rng = SeededRandom(seed: UInt64(seed))
            var steps: [UInt16] = []
            for t in 0..<(16 * 8) { steps.append(model.nextDrumStep(after: steps, position: t % 16, rng: &rng)) }
            for (t, s) in steps.enumerated() where s & DrumClass.kick.bit != 0 { kicks[t % 16] += 1 }
        }
        let bars = Double(runs * 8)
        let total = kicks.reduce(0, +)
        let onBeats = kicks[0] + kicks[4] + kicks[8] + kicks[12]
        let onSixteenths = (0..<16).filter { $0 % 2 == 1 }.map { kicks[$0] }.reduce(0, +)
        #expect(Double(kicks[0]) / bars > 0.85, "kick on the downbeat in \(kicks[0]) of \(bars) bars")
        #expect(Double(onBeats) / Double(total) > 0.45, "kicks per step \(kicks)")
        // Per position, a beat gets a kick at least four times as often as an off-beat sixteenth.
        #expect(Double(onBeats) / 4 > 4 * Double(onSixteenths) / 8, "kicks per step \(kicks)")
        #expect(model.drumProbability(of: DrumClass.kick.bit, after: [], position: 0) > 0.85)
    }

    /// Fills where the drummer is told a phrase ends, and not elsewhere.
    @Test func drummerFillsAtPhraseEnds() throws {
        let model = try StyleModel.load(contentsOf: modelPath("grooves-drums"))
        var rng = SeededRandom(seed: 6)
        var steps: [UInt16] = []
        let fillMask = DrumClass.snare.bit | DrumClass.lowTom.bit | DrumClass.highTom.bit
        var hits = (fill: 0, plain: 0), toms = (fill: 0, plain: 0)
        for t in 0..<(16 * 64) {
            let end = (t / 16) % 4 == 3
            let s = model.nextDrumStep(after: steps, position: t % 16, phraseEnd: end, rng: &rng)
            steps.append(s)
            // The second half of the bar, where fills go.
            guard t % 16 >= 8 else { continue }
            let n = DrumClass.classes(in: s & fillMask).count
            let tom = s & (DrumClass.lowTom.bit | DrumClass.highTom.bit) != 0 ? 1 : 0
            if end { hits.fill += n; toms.fill += tom } else { hits.plain += n; toms.plain += tom }
        }
        // 16 phrase-end bars against 48 plain ones: per bar, fills are at least twice as busy.
        #expect(Double(hits.fill) / 16 > 2 * Double(hits.plain) / 48, "snare and tom hits \(hits)")
        #expect(toms.fill > 8 && Double(toms.plain) / 48 < 0.25, "tom steps \(toms)")
    }

    @Test func harmonyResolvesTheDominant() throws {
        let model = try StyleModel.load(contentsOf: modelPath("chorale-harmony"))
        let V = ChordSymbol(degree: 4, quality: .major)
        let major = model.chordProbabilities(after: [V], minor: false)
        #expect(major.first?.chord == ChordSymbol(degree: 0, quality: .major), "after V: \(major.prefix(3))")
        let minor = model.chordProbabilities(after: [V], minor: true)
        #expect(minor.first?.chord == ChordSymbol(degree: 0, quality: .minor), "after V in minor: \(minor.prefix(3))")
        let v7 = model.chordProbabilities(after: [ChordSymbol(degree: 4, quality: .dominant7)], minor: false)
        #expect(v7.first?.chord.degree == 0)
        var rng = SeededRandom(seed: 2)
        var a: [ChordSymbol] = [], b: [ChordSymbol] = []
        var rng2 = SeededRandom(seed: 2)
        for _ in 0..<16 {
            a.append(model.nextChord(after: a, minor: false, rng: &rng))
            b.append(model.nextChord(after: b, minor: false, rng: &rng2))
        }
        #expect(a == b)
        #expect(Set(a.map(\.degree)).count >= 3)
    }

    @Test func bassLineStaysInItsStyle() throws {
        let model = try StyleModel.load(contentsOf: modelPath("chorale-bass"))
        // Chorale basses move mostly by step and fourth/fifth, on beats.
        var rng = SeededRandom(seed: 4)
        var h: [MelodyStep] = []
        for _ in 0..<200 { h.append(model.nextStep(after: h, allow: { _ in true }, rng: &rng)!) }
        let onBeat = h.filter { $0.position % 4 == 0 }.count
        #expect(Double(onBeat) / 200 > 0.6)
        let small = h.filter { abs($0.interval ?? 0) <= 7 }.count
        #expect(Double(small) / 200 > 0.85)
    }
}
