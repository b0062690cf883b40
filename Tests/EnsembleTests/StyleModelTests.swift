import Ensemble
import Foundation
import Music
import StyleTraining
import Testing

/// A simple four-bar tune in sixteenths: (interval, length) pairs laid from the downbeat.
func line(_ pairs: [(Int?, Int)], bar: Int = 16) -> [MelodyStep] {
    var at = 0
    return pairs.map { i, l in
        defer { at += l }
        return MelodyStep(interval: i, sixteenths: l, position: at % bar)
    }
}

let phrase: [(Int?, Int)] = [(0, 4), (2, 2), (2, 2), (1, 4), (nil, 4), (-1, 2), (-2, 2), (-2, 8), (5, 4), (-5, 4)]

@Suite struct StyleModelTests {
    @Test func learnsARepeatedPhraseAndPredictsIt() {
        var model = StyleModel(role: .lead)
        let tune = line(Array(repeatElement(phrase, count: 8).joined()))
        model.learn(melody: tune)
        // Given the first half of the phrase (after one pass), the most likely next step is the phrase's.
        let history = Array(tune.prefix(phrase.count + 5))
        let best = model.stepProbabilities(after: history).max { $0.probability < $1.probability }!
        #expect(best.step == tune[phrase.count + 5])
        #expect(best.probability > 0.5)
        // Sampling follows it most of the time.
        var rng = SeededRandom(seed: 3)
        var hits = 0
        for k in 0..<phrase.count {
            let h = Array(tune.prefix(phrase.count + k))
            if model.nextStep(after: h, allow: { _ in true }, rng: &rng) == tune[phrase.count + k] { hits += 1 }
        }
        #expect(hits >= phrase.count - 2)
        // The phrase scores far better than the same steps shuffled.
        let shuffled = line(phrase.reversed())
        #expect(model.logLikelihood(of: Array(tune.prefix(phrase.count))) > model.logLikelihood(of: shuffled) + 10)
    }

    @Test func allowFiltersAndNothingAllowedIsNil() {
        var model = StyleModel(role: .lead)
        model.learn(melody: line(phrase))
        var rng = SeededRandom(seed: 1)
        for _ in 0..<50 {
            let s = model.nextStep(after: line(phrase), allow: { ($0.interval ?? 0) > 3 }, rng: &rng)!
            #expect(s.interval! > 3)
        }
        #expect(model.nextStep(after: [], allow: { _ in false }, rng: &rng) == nil)
    }

    @Test func sameSeedSameLine() {
        let model = try! StyleModel.load(contentsOf: modelPath("fiddle-lead"))
        func generate(_ seed: UInt64) -> [MelodyStep] {
            var rng = SeededRandom(seed: seed)
            var h: [MelodyStep] = []
            for _ in 0..<40 { h.append(model.nextStep(after: h, allow: { _ in true }, rng: &rng)!) }
            return h
        }
        #expect(generate(7) == generate(7))
        #expect(generate(7) != generate(8))
    }

    @Test func writeAndLoadRoundTrip() throws {
        var model = StyleModel(role: .bass, order: 3)
        model.learn(melody: line(Array(repeatElement(phrase, count: 3).joined())))
        model.setSource(files: 1, source: "a test phrase")
        let path = NSTemporaryDirectory() + "/roundtrip-\(getpid()).style"
        try model.write(to: path)
        let back = try StyleModel.load(contentsOf: path)
        #expect(back.text == model.text)
        #expect(back.role == .bass && back.order == 3 && back.files == 1 && back.source == "a test phrase")
        let h = line(Array(phrase.prefix(4)))
        #expect(back.logLikelihood(of: h) == model.logLikelihood(of: h))
        #expect(back.summary == model.summary)
        try? FileManager.default.removeItem(atPath: path)
    }

    @Test func brokenModelFileSaysFileAndLine() {
        var model = StyleModel(role: .harmony)
        model.learn(progression: [ChordSymbol(degree: 0, quality: .major), ChordSymbol(degree: 4, quality: .major)], minor: false)
        let broken = model.text.replacingOccurrences(of: "context  |", with: "context  | 9x")
        #expect(broken != model.text)
        #expect {
            try StyleModel(text: broken, file: "bad.style")
        } throws: { error in
            let d = "\(error)"
            return d.hasPrefix("bad.style:") && d.contains("SYMBOL:COUNT") && (error as? StyleModelFileError)?.line ?? 0 > 8
        }
        #expect {
            try StyleModel(text: "polyphon-style 9\n", file: "new.style")
        } throws: { error in "\(error)" == "new.style:1: expected style model version 1, found '9'" }
        #expect {
            try StyleModel(text: "polyphon-style 1\nrole singer\n", file: "r.style")
        } throws: { error in "\(error)".hasPrefix("r.style:2: expected a role") }
    }

    @Test func onlineStyleLearnsThePlayerAndStaysBounded() {
        let online = OnlineStyle(role: .lead, maxContexts: 300)
        let tune = line(Array(repeatElement(phrase, count: 4).joined()))
        for s in tune { online.learn(s) }
        let best = online.model.stepProbabilities(after: Array(tune.prefix(13))).max { $0.probability < $1.probability }!
        #expect(best.step == tune[13])
        var rng = SeededRandom(seed: 9)
        for _ in 0..<3000 {
            let i = Int(rng.next() % 25) - 12
            let l = 1 + Int(rng.next() % 8)
            let p = (online.recent.last.map { $0.position + $0.sixteenths } ?? 0) % 16
            online.learn(MelodyStep(interval: i, sixteenths: l, position: p))
            #expect(online.model.contextCount <= 300)
        }
    }

    @Test func melodyExtractionPicksTopAndBottomVoicesOnTheBarGrid() throws {
        // Two voices in 4/4 with a pickup padded to a bar: upper voice E-F#-G, lower C-D.
        let upper = [MIDIFile.Note(pitch: 76, velocity: 80, channel: 0, onset: 3, duration: 1),
                     MIDIFile.Note(pitch: 78, velocity: 80, channel: 0, onset: 4, duration: 0.5),
                     MIDIFile.Note(pitch: 79, velocity: 80, channel: 0, onset: 4.5, duration: 0.25)]
        let lower = (0..<8).map { MIDIFile.Note(pitch: 48 + ($0 % 2) * 2, velocity: 80, channel: 1, onset: Double($0), duration: 1) }
        let file = MIDIFile(tracks: [.init(notes: upper + [8.0, 16.0].flatMap { d in upper.map { var n = $0; n.onset += d; return n } }),
                                     .init(notes: lower)],
                            timeSignatures: [.init(numerator: 4, denominator: 4)])
        let top = try #require(file.melody(.highest))
        #expect(top.firstPitch == 76)
        #expect(Array(top.steps.prefix(4)) == [MelodyStep(interval: 0, sixteenths: 4, position: 12),
                                               MelodyStep(interval: 2, sixteenths: 2, position: 0),
                                               MelodyStep(interval: 1, sixteenths: 1, position: 2),
                                               MelodyStep(interval: nil, sixteenths: 16, position: 3)])
        let bottom = try #require(file.melody(.lowest))
        #expect(bottom.firstPitch == 48 && bottom.steps.dropFirst().allSatisfy { abs($0.interval ?? 0) == 2 && $0.sixteenths == 4 })
        let waltz = MIDIFile(tracks: file.tracks, timeSignatures: [.init(numerator: 3, denominator: 4)])
        #expect(waltz.melody(.highest) == nil)
    }

    @Test func keysAndChordsFromNotes() {
        // G major scale, tonic weighted: Krumhansl finds G major.
        let scale = [67, 69, 71, 72, 74, 76, 78, 79, 67, 71, 74].enumerated().map {
            MIDIFile.Note(pitch: $1, velocity: 80, channel: 0, onset: Double($0), duration: 1)
        }
        let key = KeyFinder.estimate(scale)
        #expect(key.tonic == 7 && !key.minor)
        // C major: I, IV, V7, I as block chords a beat each, with a key signature.
        let chords = [[48, 64, 67, 72], [53, 65, 69, 72], [43, 65, 71, 74, 67], [48, 64, 67, 72]]
        let notes = chords.enumerated().flatMap { b, c in c.map { MIDIFile.Note(pitch: $0, velocity: 80, channel: 0, onset: Double(b), duration: 1) } }
        let file = MIDIFile(tracks: [.init(notes: notes)], keySignatures: [.init(sharps: 0, minor: false)])
        let p = file.progression()
        #expect(p.minor == false)
        #expect(p.chords.map(\.description) == ["I", "IV", "V7", "I"])
        // The same in A minor (relative key signature): i iv V i, with the raised leading tone.
        let minor = [[45, 64, 69, 72], [50, 62, 65, 69], [40, 64, 68, 71], [45, 64, 69, 72]]
        let mnotes = minor.enumerated().flatMap { b, c in c.map { MIDIFile.Note(pitch: $0, velocity: 80, channel: 0, onset: Double(b), duration: 1) } }
        let m = MIDIFile(tracks: [.init(notes: mnotes)], keySignatures: [.init(sharps: 0, minor: true)]).progression()
        #expect(m.minor && m.chords.map(\.description) == ["i", "iv", "V", "i"])
    }
}

/// The committed models, found from this file's place in the repository.
func modelPath(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Patches/models/\(name).style").path
}
