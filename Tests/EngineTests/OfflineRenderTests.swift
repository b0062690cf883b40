import Engine
import Ensemble
import Music
import Testing

/// Offline renders of the default patch, checked on the samples and on the event stream.
@Suite struct OfflineRenderTests {
    func render(_ patch: Patch, seconds: Double, changes: [TimedCommands] = []) -> (left: [Float], right: [Float], notes: [NoteRecord]) {
        let log = EventLog(agentNames: patch.agents.map(\.spec.name))
        let audio = OfflineRender(patch: patch).run(seconds: seconds, changes: changes) { log.append($0) }
        return (audio.left, audio.right, log.all)
    }

    @Test func sameSeedGivesSameSamples() throws {
        var p = try TestPatches.defaultPatch()
        p.seed = 7
        let a = render(p, seconds: 10), b = render(p, seconds: 10)
        let diff = zip(a.left, b.left).map { abs($0 - $1) }.max()! + zip(a.right, b.right).map { abs($0 - $1) }.max()!
        #expect(diff <= 1e-7)
        #expect(a.notes == b.notes)
        p.seed = 8
        let c = render(p, seconds: 10)
        let other = zip(a.left, c.left).map { abs($0 - $1) }.max()!
        #expect(other > 0.01, "a different seed should give a different performance")
    }

    @Test func outputIsAudibleFiniteAndNeverClips() throws {
        let p = try TestPatches.defaultPatch()
        let r = render(p, seconds: 20, changes: [
            at(48000 * 5, cmd("/polyphon/master/gain", nil, .number(2)), cmd("/polyphon/density", nil, .number(1))),
            at(48000 * 12, cmd("/polyphon/mood", nil, .mood(Mood(named: "euphoric")!))),
        ])
        let all = r.left + r.right
        #expect(all.allSatisfy { $0.isFinite })
        let peak = all.map(abs).max()!
        let ceiling = Float(0.8913) // -1 dBFS
        #expect(peak <= ceiling + 1e-4, "peak \(peak) above the -1 dBFS ceiling")
        let rms = (all.map { $0 * $0 }.reduce(0, +) / Float(all.count)).squareRoot()
        #expect(rms > 0.02, "render is nearly silent (rms \(rms))")
    }

    @Test("bass, chord and lead notes lie in the current key, in every mood", arguments: Mood.names)
    func notesInKey(mood: String) throws {
        var p = try TestPatches.defaultPatch()
        p.mood = Mood(named: mood)!
        let r = render(p, seconds: 16, changes: [
            at(48000 * 8, cmd("/polyphon/key", nil, .key(PitchClass(name: "Eb")!, nil))),
        ])
        let pitched = r.notes.filter { p.agents[$0.agent].spec.role != .drums }
        #expect(pitched.count > 20)
        let outside = pitched.filter { !$0.key.contains($0.pitch) }
        print("mood \(mood): \(pitched.count - outside.count) of \(pitched.count) bass, harmony and lead notes in key")
        #expect(outside.isEmpty, "\(outside.count) notes out of key, e.g. \(outside.prefix(3))")
        // The key change was heard: notes after it are in E-flat.
        #expect(pitched.contains { $0.key.tonic == PitchClass(3) })
    }

    @Test func onsetRateRisesWithDensity() throws {
        var counts: [Int] = []
        for density in [0.1, 0.3, 0.5, 0.7, 0.9] {
            var p = try TestPatches.defaultPatch()
            p.density = density
            counts.append(render(p, seconds: 16).notes.count)
        }
        print("notes in 16 s at density 0.1, 0.3, 0.5, 0.7, 0.9: \(counts)")
        #expect(zip(counts, counts.dropFirst()).allSatisfy { $0 < $1 }, "note counts by density: \(counts)")
    }

    @Test func tempoChangesAtTheNextBeat() throws {
        let p = try TestPatches.defaultPatch() // 112 BPM
        let changeFrame: Int64 = 48000 * 4 + 1000
        let r = render(p, seconds: 10, changes: [at(changeFrame, cmd("/polyphon/tempo", nil, .number(140)))])
        let drums = r.notes.filter { p.agents[$0.agent].spec.role == .drums }.map(\.frame)
        let beatOld = 48000.0 * 60 / 112, beatNew = 48000.0 * 60 / 140
        // Hits before the change fall on the old sixteenth grid; the first beat after it starts the new grid.
        let nextBeat = (Double(changeFrame) / beatOld).rounded(.up) * beatOld
        func onGrid(_ offset: Double, _ step: Double) -> Bool {
            let phase = offset.truncatingRemainder(dividingBy: step)
            return phase < 1 || step - phase < 1
        }
        for k in drums where Double(k) < nextBeat {
            #expect(onGrid(Double(k), beatOld / 4), "hit at \(k) is off the 112 BPM grid")
        }
        for k in drums where Double(k) >= nextBeat {
            #expect(onGrid(Double(k) - nextBeat, beatNew / 4), "hit at \(k) is off the 140 BPM grid started at \(nextBeat)")
        }
        #expect(drums.contains { Double($0) > nextBeat + 4 * beatNew })
        #expect(drums.contains { abs(Double($0) - nextBeat) < 1 }, "a hit lands exactly on the beat where the new tempo starts")
    }

    @Test func moodChangesHarmonyAtTheNextBar() throws {
        let p = try TestPatches.defaultPatch() // driving: A dorian
        let changeFrame: Int64 = 48000 * 5
        let r = render(p, seconds: 12, changes: [at(changeFrame, cmd("/polyphon/mood", nil, .mood(Mood(named: "dark")!)))])
        let bar = 48000.0 * 60 / 112 * 4
        let before = r.notes.filter { Double($0.frame) < Double(changeFrame) }
        let afterNextBar = r.notes.filter { Double($0.frame) >= Double(changeFrame) + bar }
        #expect(before.allSatisfy { $0.key.mode == .dorian })
        #expect(!afterNextBar.isEmpty && afterNextBar.allSatisfy { $0.key.mode == .phrygian })
    }
}
