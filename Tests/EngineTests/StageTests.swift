import Engine
import Testing

/// Switching patches live: an equal-power crossfade, no click, and the old renderer freed on
/// the control thread once the audio thread is done with it.
@Suite struct StageTests {
    @Test func aPatchSwitchCrossfadesWithoutAClick() throws {
        let patch = try TestPatches.defaultPatch()
        var other = patch
        other.seed = 99
        let store = ParameterStore(patch.initialSteering)
        let stage = Stage(patch: patch, store: store, sampleRate: 48000, live: false)
        var out: [Float] = []
        func play(_ seconds: Double) {
            let block = 256
            var l = [Float](repeating: 0, count: block), r = l
            for _ in 0..<Int(seconds * 48000) / block {
                stage.advance(to: stage.framesRendered + Int64(block) + 1024)
                l.withUnsafeMutableBufferPointer { lp in r.withUnsafeMutableBufferPointer { rp in
                    stage.render(frames: block, left: lp.baseAddress!, right: rp.baseAddress!)
                } }
                out += l
            }
        }
        play(4)
        weak var old = stage.renderer
        stage.switchTo(other)
        play(4)
        stage.advance(to: stage.framesRendered + 1)   // the conductor releases what the audio thread retired
        #expect(old == nil, "the old renderer was not released after the crossfade")
        #expect(stage.switches == 1)
        #expect(out.allSatisfy { $0.isFinite })
        func maxJump(_ range: Range<Int>) -> Float { range.dropFirst().map { abs(out[$0] - out[$0 - 1]) }.max()! }
        let before = maxJump(48000..<(4 * 48000))
        let across = maxJump((4 * 48000 - 1000)..<(4 * 48000 + 4000))
        #expect(across <= before * 1.25, "jump across the switch \(across) vs \(before) in steady playing")
        // Both bands are heard during the fade, then only the new one: the music goes on.
        let tail = out[(6 * 48000)...].map { $0 * $0 }.reduce(0, +) / Float(out.count - 6 * 48000)
        #expect(tail.squareRoot() > 0.02)
    }

    /// A change still waiting when the patch switches is not lost with the old conductor.
    @Test func changesInFlightSurviveASwitch() throws {
        let patch = try TestPatches.defaultPatch()
        let store = ParameterStore(patch.initialSteering)
        let stage = Stage(patch: patch, store: store, sampleRate: 48000, live: false)
        stage.submit(TimedCommands([cmd("/polyphon/tempo", nil, .number(99))]))
        stage.submit(at(48000, cmd("/polyphon/density", nil, .number(0.2))))
        stage.switchTo(patch)
        var l = [Float](repeating: 0, count: 256), r = l
        for _ in 0..<(48000 * 2 / 256) {
            stage.advance(to: stage.framesRendered + 256 + 1024)
            l.withUnsafeMutableBufferPointer { lp in r.withUnsafeMutableBufferPointer { rp in
                stage.render(frames: 256, left: lp.baseAddress!, right: rp.baseAddress!)
            } }
        }
        #expect(store.read().tempo == 99 && store.read().density == 0.2)
    }
}
