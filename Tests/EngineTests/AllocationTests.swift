import CAllocCounter
import Music
import Engine
import Testing

/// The audio thread must never allocate or retain: both can take a lock and miss the deadline.
@Suite struct AllocationTests {
    /// Renders `blocks` calls of `frames`, counting only inside `render` (the conductor, which may
    /// allocate, runs between the counted calls, as it does on its own thread live).
    func countedRender(patch: Patch, frames: Int, blocks: Int) -> (allocations: UInt64, retains: UInt64) {
        let store = ParameterStore(patch.initialSteering)
        let renderer = OfflineRender.makeRenderer(for: patch, sampleRate: 48000)
        let conductor = Conductor(patch: patch, store: store, renderer: renderer)
        let left = UnsafeMutablePointer<Float>.allocate(capacity: frames)
        let right = UnsafeMutablePointer<Float>.allocate(capacity: frames)
        defer { left.deallocate(); right.deallocate() }
        var clock: Int64 = 0
        // Warm up: first-use metadata and lazy globals are set up once, on any thread.
        for _ in 0..<200 {
            clock += Int64(frames)
            conductor.advance(to: clock + 1024)
            renderer.render(frames: frames, left: left, right: right)
        }
        var allocations: UInt64 = 0, retains: UInt64 = 0
        for i in 0..<blocks {
            clock += Int64(frames)
            conductor.advance(to: clock + 1024)
            if i % 997 == 0 { store.update { $0.mood = $0.mood.name == "dark" ? Mood(named: "euphoric")! : Mood(named: "dark")! } }
            polyphon_counting_begin()
            renderer.render(frames: frames, left: left, right: right)
            polyphon_counting_end()
            allocations += polyphon_counted_allocations()
            retains += polyphon_counted_retains()
        }
        return (allocations, retains)
    }

    @Test("render makes no allocation and no retain, for every block size", arguments: [64, 256, 1024])
    func renderIsAllocationFree(frames: Int) throws {
        let patch = try TestPatches.defaultPatch()
        let blocks = 48000 * 30 / frames
        let counted = countedRender(patch: patch, frames: frames, blocks: blocks)
        print("allocations per render call (\(frames) frames, \(blocks) calls): \(Double(counted.allocations) / Double(blocks)); retains per call: \(Double(counted.retains) / Double(blocks))")
        #expect(counted.allocations == 0)
        #expect(counted.retains == 0)
    }

    /// The counter itself works: an Array append on the counted thread is seen.
    @Test func counterSeesAllocations() {
        polyphon_counting_begin()
        var a: [Int] = []
        for i in 0..<100 { a.append(i) }
        polyphon_counting_end()
        #expect(a.count == 100)
        #expect(polyphon_counted_allocations() > 0)
    }

    /// The live entry point: the stage, through a patch switch and its whole crossfade.
    @Test func stageRenderIsAllocationFreeThroughACrossfade() throws {
        let patch = try TestPatches.defaultPatch()
        var other = patch
        other.seed = 5
        let stage = Stage(patch: patch, store: ParameterStore(patch.initialSteering), sampleRate: 48000, live: false)
        let frames = 256
        let left = UnsafeMutablePointer<Float>.allocate(capacity: frames)
        let right = UnsafeMutablePointer<Float>.allocate(capacity: frames)
        defer { left.deallocate(); right.deallocate() }
        var allocations: UInt64 = 0, retains: UInt64 = 0, calls = 0
        for block in 0..<(48000 * 12 / frames) {
            if block == 48000 * 4 / frames { stage.switchTo(other) }   // on the control thread: not counted
            stage.advance(to: stage.framesRendered + Int64(frames) + 1024)
            if block < 200 {   // warm-up
                stage.render(frames: frames, left: left, right: right)
                continue
            }
            polyphon_counting_begin()
            stage.render(frames: frames, left: left, right: right)
            polyphon_counting_end()
            allocations += polyphon_counted_allocations()
            retains += polyphon_counted_retains()
            calls += 1
        }
        stage.collect()
        print("stage render through a crossfade (\(calls) calls): \(allocations) allocations, \(retains) retains")
        #expect(stage.switches == 1)
        #expect(allocations == 0)
        #expect(retains == 0)
    }
}
