import Engine
import Testing

/// A timed change lands on its exact frame, offline, through the same conductor as live.
@Suite struct TimedChangeTests {
    /// Below the limiter's ceiling the output is the mix delayed by the limiter's look-ahead, so
    /// a gain change at frame F first shows at exactly F + outputLatency.
    @Test("a change lands on its exact frame", arguments: [Int64(9600), Int64(9601), Int64(48000 * 2 + 17)])
    func landsOnItsFrame(frame: Int64) throws {
        var patch = try TestPatches.defaultPatch()
        patch.masterGain = 0.1
        let latency = OfflineRender.makeRenderer(for: patch, sampleRate: 48000).outputLatency
        #expect(latency == 72)
        let reference = OfflineRender(patch: patch).run(seconds: 3)
        #expect(reference.left.map(abs).max()! < 0.8, "the limiter must stay idle for this test")
        let changed = OfflineRender(patch: patch).run(seconds: 3, changes: [
            at(frame, cmd("/polyphon/master/gain", nil, .number(0))),
        ])
        let first = zip(reference.left, changed.left).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(first == Int(frame) + latency, "first changed sample \(String(describing: first)), expected \(Int(frame) + latency)")
    }

    @Test func lateChangesAreCountedAndApplied() throws {
        let patch = try TestPatches.defaultPatch()
        let store = ParameterStore(patch.initialSteering)
        let renderer = OfflineRender.makeRenderer(for: patch, sampleRate: 48000)
        let conductor = Conductor(patch: patch, store: store, renderer: renderer)
        conductor.advance(to: 4800)
        conductor.submit(at(100, cmd("/polyphon/tempo", nil, .number(90))))
        conductor.advance(to: 9600)
        #expect(conductor.lateChanges == 1)
        #expect(store.read().tempo == 90)
        #expect(conductor.lastTimedFrame == 4800)
    }
}

@Suite struct TransportTests {
    /// Play after stop starts a bar at once, not at the old grid's next bar line.
    @Test func playStartsABarRightAway() throws {
        let patch = try TestPatches.defaultPatch()   // 112 BPM: a bar is 102857 frames
        let log = EventLog(agentNames: patch.agents.map(\.spec.name))
        let playAt: Int64 = 48000 * 6 + 12345
        _ = OfflineRender(patch: patch).run(seconds: 9, changes: [
            at(48000 * 2, cmd("/polyphon/transport/stop", nil, .trigger)),
            at(playAt, cmd("/polyphon/transport/play", nil, .trigger)),
        ]) { log.append($0) }
        let firstAfter = log.all.filter { $0.frame >= playAt }.map(\.frame).min()
        #expect(firstAfter == playAt, "first note after play at \(String(describing: firstAfter)), play at \(playAt)")
    }
}
