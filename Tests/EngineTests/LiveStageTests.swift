import Engine
import Foundation
import Synchronization
import Testing

/// The live stage as `serve` runs it, without JACK: an audio thread rendering, the conductor's
/// own thread, and control threads submitting commands, switching patches and reading
/// snapshots, all at once. Run under ThreadSanitizer too (docs/testing.md).
@Suite struct LiveStageTests {
    @Test func commandsSwitchesAndSnapshotsFromManyThreadsAtOnce() throws {
        let patch = try TestPatches.defaultPatch()
        var reseeded = patch
        reseeded.seed = 9
        let other = reseeded
        let store = ParameterStore(patch.initialSteering)
        let stage = Stage(patch: patch, store: store, sampleRate: 48000, live: true)
        stage.conductor.lookahead.store(256 + 480, ordering: .relaxed)
        stage.start()
        let stop = Atomic<Bool>(false)
        let peak = Mutex<Float>(0)
        // The audio thread: 256-frame blocks, a little faster than real time.
        let audio = Thread {
            let l = UnsafeMutablePointer<Float>.allocate(capacity: 256), r = UnsafeMutablePointer<Float>.allocate(capacity: 256)
            defer { l.deallocate(); r.deallocate() }
            while !stop.load(ordering: .acquiring) {
                stage.render(frames: 256, left: l, right: r)
                var p: Float = 0
                for i in 0..<256 { p = max(p, abs(l[i])) }
                peak.withLock { $0 = max($0, p) }
                usleep(2000)
            }
        }
        audio.start()
        let threads = 4
        let done = Atomic<Int>(0)
        for t in 0..<threads {
            Thread {
                var i = 0
                while !stop.load(ordering: .acquiring) {
                    switch (t + i) % 5 {
                    case 0: stage.submit(TimedCommands([cmd("/polyphon/density", nil, .number(Double(i % 10) / 10))]))
                    case 1: _ = stage.conductor.snapshot; _ = store.read()
                    case 2: stage.submit(TimedCommands([cmd("/polyphon/agent/*/gain", "bass", .number(Double(i % 20) / 10))]))
                    case 3: if t == 0 && i % 50 == 3 { stage.switchTo(i % 100 == 3 ? other : patch) }
                    default: _ = stage.conductor.performance.renderer.activeVoices; _ = stage.conductor.appliedSequence
                    }
                    i += 1
                    usleep(1000)
                }
                done.add(1, ordering: .releasing)
            }.start()
        }
        let startClock = stage.framesRendered
        let startBar = stage.conductor.snapshot.bar
        Thread.sleep(forTimeInterval: 4)
        let sequence = stage.submit(TimedCommands([cmd("/polyphon/tempo", nil, .number(97))]))
        let deadline = Date().addingTimeInterval(2)
        while stage.conductor.appliedSequence < sequence && Date() < deadline { usleep(1000) }
        stop.store(true, ordering: .releasing)
        while done.load(ordering: .acquiring) < threads { usleep(1000) }
        Thread.sleep(forTimeInterval: 0.05)
        stage.conductor.stop()
        #expect(stage.conductor.appliedSequence >= sequence, "the conductor stopped taking commands")
        #expect(store.read().tempo == 97)
        #expect(stage.framesRendered - startClock > 48000, "the audio thread stalled (1 s of audio in 4 s, so it holds under ThreadSanitizer too)")
        #expect(stage.conductor.snapshot.bar > startBar, "the bar count did not advance")
        #expect(stage.switches > 0)
        #expect(peak.withLock { $0 } > 0.01, "nothing sounded")
    }
}
