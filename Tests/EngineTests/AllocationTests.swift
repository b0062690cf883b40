import CAllocCounter
import Music
import Engine
import Testing

/// The audio thread must never allocate or retain: both can take a lock and miss the deadline.
@Suite struct AllocationTests {
    /// Renders `blocks` calls of `frames`, counting only inside `render` (the conductor, which may
    /// allocate, runs between the counted calls, as it does on its own thread live).
    func countedRender(patch: Patch, frames: Int, blocks: Int, stems: Bool = false,
                       live: ((Int, Steering) -> [Command])? = nil) -> (allocations: UInt64, retains: UInt64) {
        let store = ParameterStore(patch.initialSteering)
        let renderer = OfflineRender.makeRenderer(for: patch, sampleRate: 48000, stemFrames: stems ? 1024 : 0)
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
            if i % 997 == 0 {
                let mood = store.read().mood.name == "dark" ? Mood(named: "euphoric")! : Mood(named: "dark")!
                conductor.submit(TimedCommands([cmd("/polyphon/mood", nil, .mood(mood))]))
            }
            if let live {
                conductor.submit(TimedCommands(live(i, store.read())))
                // Toms and percussion, which the drummer may not choose on its own.
                let tom: [UInt8] = [41, 45, 50, 56]
                _ = renderer.events.push(AudioEvent(frame: clock + 1100, kind: .noteOn, track: 0, note: tom[i % 4], value: 0.8))
            }
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

    /// Every instrument feature and effect: unison, LFO, glide, pulse, noise, filter modes, the
    /// drum kit, timbre morphs moving, sends, mute and solo moving, bus settings moving, stems.
    @Test("every instrument and effect renders with no allocation and no retain", arguments: [64, 256])
    func everyFeatureIsAllocationFree(frames: Int) throws {
        let patch = try TestPatches.everythingPatch()
        let blocks = 48000 * 20 / frames
        let counted = countedRender(patch: patch, frames: frames, blocks: blocks, stems: true) { i, s in
            var c = s.agents.map { cmd("/polyphon/agent/*/morph", $0.name, .number(Double(i % 400) / 400)) }
            if i % 300 == 0 { c.append(cmd("/polyphon/agent/*/mute", s.agents[1].name, .flag(!s.agents[1].mute))) }
            if i % 500 == 0 { c.append(cmd("/polyphon/agent/*/solo", s.agents[2].name, .flag(!s.agents[2].solo))) }
            // Live sound parameters of every family (each track takes its own).
            if i % 250 == 0 {
                for a in s.agents {
                    for (name, v) in [("cutoff", Double(400 + i % 2000)), ("lfo_rate", Double(1 + i % 7)), ("ratio1", Double(1 + i % 3)),
                                      ("kick_tune", Double(i % 5))] where SoundParameter.named(name, family: a.instrument) != nil {
                        c.append(cmd("/polyphon/agent/*/sound/\(name)", a.name, .number(v)))
                    }
                }
            }
            if i % 700 == 0 {
                c += [cmd("/polyphon/reverb/size", nil, .number(s.effects.reverbSize > 0.5 ? 0.3 : 0.8)),
                      cmd("/polyphon/delay/division", nil, .number(s.effects.delayBeats == 0.75 ? 0.5 : 0.75)),
                      cmd("/polyphon/compressor/threshold", nil, .number(s.effects.compressorThreshold < -10 ? -6 : -20)),
                      cmd("/polyphon/tempo", nil, .number(s.tempo == 124 ? 90 : 124))]
            }
            return c
        }
        print("every feature (\(frames) frames, \(blocks) calls): \(counted.allocations) allocations, \(counted.retains) retains")
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
        print("stage render through a crossfade (\(calls) calls): \(allocations) allocations, \(retains) retains")
        #expect(stage.switches == 1)
        #expect(allocations == 0)
        #expect(retains == 0)
    }
}
