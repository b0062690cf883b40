import Engine
import Foundation
import Music
import Testing

/// The sound engine as a show hears it: no clicks when patches, moods and morphs change under
/// held notes, nothing non-finite, nothing over the ceiling.
@Suite struct SoundEngineTests {
    /// Renders through the live entry point (`Stage`), calling `cue` before each block.
    func perform(_ patch: Patch, seconds: Double, cue: (Stage, Double) -> Void = { _, _ in }) -> [Float] {
        let store = ParameterStore(patch.initialSteering)
        let stage = Stage(patch: patch, store: store, sampleRate: 48000, live: false, crossfadeSeconds: 1)
        let block = 256
        var out: [Float] = []
        var l = [Float](repeating: 0, count: block), r = l
        for b in 0..<Int(seconds * 48000) / block {
            cue(stage, Double(b * block) / 48000)
            stage.advance(to: stage.framesRendered + Int64(block) + 1024)
            l.withUnsafeMutableBufferPointer { lp in r.withUnsafeMutableBufferPointer { rp in
                stage.render(frames: block, left: lp.baseAddress!, right: rp.baseAddress!)
            } }
            for i in 0..<block { out.append(l[i]); out.append(r[i]) }
        }
        return out
    }

    /// Largest sample-to-sample step of either channel (interleaved stereo).
    func maxJump(_ x: [Float], from: Int = 2, to: Int? = nil) -> Float {
        var worst: Float = 0
        for i in stride(from: max(2, from), to: to ?? x.count, by: 1) { worst = max(worst, abs(x[i] - x[i - 2])) }
        return worst
    }

    @Test func patchMoodAndMorphChangesMidNoteDoNotClick() throws {
        let a = try TestPatches.defaultPatch()
        let b = try TestPatches.everythingPatch()
        let seconds = 10.0
        // The threshold comes from the music itself: the largest step each patch makes when
        // nothing changes (drum attacks, saw resets through the filter). A click is a step the
        // music doesn't make; allow 25% over the larger of the two steady renders.
        let steady = max(maxJump(perform(a, seconds: seconds)), maxJump(perform(b, seconds: seconds)))
        var switched = false, moodChanged = false
        let changed = perform(a, seconds: seconds) { stage, t in
            if t >= 2.5 && !switched { switched = true; stage.switchTo(b) }
            if t >= 5 && !moodChanged {
                moodChanged = true
                stage.submit(TimedCommands([cmd("/polyphon/mood", nil, .mood(Mood(named: "dark")!))]))
            }
            // A morph sweep 0 -> 1 -> 0 over 3 s, sent as 30 steps a second like a fader.
            if t >= 6 && t < 9 {
                let m = t < 7.5 ? (t - 6) / 1.5 : (9 - t) / 1.5
                stage.submit(TimedCommands(stage.patch.agents.map { cmd("/polyphon/agent/*/morph", $0.spec.name, .number(m)) }))
            }
        }
        #expect(changed.allSatisfy { $0.isFinite })
        let ceiling = Float(0.891_3)   // -1 dBFS
        #expect(changed.map(abs).max()! <= ceiling)
        let jump = maxJump(changed)
        #expect(jump <= steady * 1.25, "largest step \(jump) with changes vs \(steady) in steady renders")
        // The music still plays after all that.
        let tail = changed[(9 * 96000)...]
        #expect((tail.map { $0 * $0 }.reduce(0, +) / Float(tail.count)).squareRoot() > 0.01)
    }

    @Test func everyFeatureRendersFiniteAndAudible() throws {
        let out = perform(try TestPatches.everythingPatch(), seconds: 6)
        #expect(out.allSatisfy { $0.isFinite })
        #expect(out.map(abs).max()! <= 0.8913)
        #expect((out.map { $0 * $0 }.reduce(0, +) / Float(out.count)).squareRoot() > 0.02)
    }

    /// A stolen voice fades over 2.5 ms before its new note: a one-voice part retriggered
    /// while loud makes no step larger than its own waveform makes.
    @Test func stealingAVoiceDoesNotClick() {
        var settings = SynthSettings()
        settings.polyphony = 1
        settings.wave = .sine
        settings.detune = 0
        settings.cutoff = 20000
        settings.sustain = 1
        let renderer = Renderer(tracks: [.init(instrument: .subtractive(settings), gain: 1, pan: 0)],
                                masterGain: 1, ceilingDB: -1, sampleRate: 48000)
        for (i, note) in [60, 67, 72, 55, 64].enumerated() {
            _ = renderer.events.push(AudioEvent(frame: Int64(4800 * i + 1000), kind: .noteOn, track: 0, note: UInt8(note), value: 1))
        }
        var l = [Float](repeating: 0, count: 48000), r = l
        l.withUnsafeMutableBufferPointer { lp in r.withUnsafeMutableBufferPointer { rp in
            renderer.render(frames: 48000, left: lp.baseAddress!, right: rp.baseAddress!)
        } }
        // A sine at 72 (523 Hz) with peak ~0.4 steps at most 2*pi*523/48000*0.4 ≈ 0.03 per sample.
        var worst: Float = 0
        for i in 1..<l.count { worst = max(worst, abs(l[i] - l[i - 1])) }
        #expect(worst < 0.04, "step \(worst)")
        #expect(l.map(abs).max()! > 0.1)
    }

    @Test func morphNeedsTheSameInstrument() {
        let text = """
        [agent.drums]
        role = "drums"
        [agent.drums.morph]
        instrument = "subtractive"
        """
        #expect(throws: SourceErrors.self) { try Patch(file: "m.patch", text: text) }
        do { _ = try Patch(file: "m.patch", text: text) } catch {
            #expect(error.description.contains("same instrument"))
        }
    }

    @Test func delayDivisionsReadAsBeats() {
        #expect(EffectSettings.beats(division: "1/4") == 1)
        #expect(EffectSettings.beats(division: "1/8.") == 0.75)
        #expect(abs(EffectSettings.beats(division: "1/8t")! - 1.0 / 3) < 1e-9)
        #expect(EffectSettings.beats(division: "3/4") == 3)
        #expect(EffectSettings.beats(division: "eighth") == nil)
    }
}

/// Muting every agent silences the effect tails too (the integration test expects the band
/// below -80 dB a second after a mute).
@Suite struct MuteTests {
    @Test func mutingTheBandSilencesReverbAndDelayTails() throws {
        let patch = try TestPatches.everythingPatch()
        let store = ParameterStore(patch.initialSteering)
        let change = TimedCommands(frame: 3 * 48000, patch.agents.map { cmd("/polyphon/agent/*/mute", $0.spec.name, .flag(true)) })
        let out = OfflineRender(patch: patch).run(seconds: 5, store: store, changes: [change])
        func rmsDB(_ x: ArraySlice<Float>) -> Float { 10 * log10(x.map { $0 * $0 }.reduce(0, +) / Float(x.count) + 1e-30) }
        #expect(rmsDB(out.left[(2 * 48000)..<(3 * 48000)]) > -40, "the band played before the mute")
        #expect(rmsDB(out.left[(4 * 48000)...]) < -80)
        #expect(rmsDB(out.right[(4 * 48000)...]) < -80)
    }
}
