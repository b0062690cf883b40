import Engine
import Ensemble
import Foundation
import Music
import StyleTraining
import Testing

/// The issue's measure, on the band itself: the lead agent, fed a held-out fiddle tune's first
/// four bars, plays phrases that the fiddle style model finds far likelier than random notes of
/// the key in the same rhythm and range.
@Suite struct LeadStyleTests {
    static var heldOut: String { TestPatches.root + "/Tests/EnsembleTests/Resources/heldout-fiddle.txt" }

    /// The lead's notes as the style model hears a line: interval, time to the next onset,
    /// place in the bar.
    func steps(_ pitches: [Int], beats: [Double]) -> [MelodyStep] {
        pitches.indices.dropFirst().map { i in
            let ioi = min(16, max(1, Int(((i + 1 < beats.count ? beats[i + 1] : beats[i] + 1) - beats[i]) * 4 + 0.5)))
            return MelodyStep(interval: max(-12, min(12, pitches[i] - pitches[i - 1])), sixteenths: ioi,
                              position: Int(beats[i] * 4 + 0.5) % 16)
        }
    }

    @Test func theLeadsPhrasesStayCloserToTheCorpusThanRandomNotes() throws {
        let model = try StyleModel.load(contentsOf: TestPatches.root + "/Patches/models/fiddle-lead.style")
        let tunes = try HeldOutTune.parse(String(contentsOfFile: LeadStyleTests.heldOut, encoding: .utf8))
        var lead = 0.0, random = 0.0, count = 0
        var rng = SeededRandom(seed: 5)
        for tune in tunes.prefix(8) {
            var p = try TestPatches.defaultPatch()
            p.tonic = tune.key.tonic
            p.modeOverride = tune.key.mode
            p.density = 0.8
            let prompt = tune.bars(4)
            p.styleModels.leadPrompt = prompt
            p.styleModels.leadPromptPitch = prompt.dropFirst().reduce(tune.firstPitch) { $0 + ($1.interval ?? 0) }
            let index = p.agents.firstIndex { $0.spec.role == .lead }!
            let log = EventLog(agentNames: p.agents.map(\.spec.name))
            _ = OfflineRender(patch: p).run(seconds: 12) { log.append($0) }
            let notes = log.all.filter { $0.agent == index }.sorted { $0.beat < $1.beat }
            guard notes.count >= 8 else { continue }
            let played = steps(notes.map(\.pitch), beats: notes.map(\.beat))
            let inKey = (notes.map(\.pitch).min()!...notes.map(\.pitch).max()!).filter { tune.key.contains($0) }
            var pitches = [notes[0].pitch]
            for _ in notes.dropFirst() { pitches.append(inKey[Int(rng.next() % UInt64(inKey.count))]) }
            let noise = steps(pitches, beats: notes.map(\.beat))
            lead += model.logLikelihood(of: played, after: prompt)
            random += model.logLikelihood(of: noise, after: prompt)
            count += played.count
        }
        #expect(count > 100)
        let perStepLead = lead / Double(count), perStepRandom = random / Double(count)
        print("lead agent: \(String(format: "%.2f", perStepLead)) nats/step; random in-key notes, same rhythm: \(String(format: "%.2f", perStepRandom))")
        #expect(perStepLead > perStepRandom + 0.5)
    }
}
