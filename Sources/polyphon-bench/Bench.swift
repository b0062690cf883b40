import ArgumentParser
import Engine
import Foundation
import Realtime
import ShowFiles

/// `polyphon-bench bench`: how fast the engine renders, measured here rather than asserted in tests.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure offline render speed and the time of one render call against the period.")

    @Option(help: "Patch file.") var patch: String = "Patches/default.patch"
    @Option(help: "Seconds of audio per run.") var seconds: Double = 60
    @Option(help: "Frames per render call for the callback-time figures.") var block: Int = 64
    @Option(help: "Runs of the speed measurement (the median is reported).") var runs: Int = 3

    func run() throws {
        let p = try loadPatch(patch)
        let rate = 48000.0
        // 1. Whole offline render (conductor + audio), CPU time of this thread.
        var speeds: [Double] = []
        for _ in 0..<runs {
            let cpu0 = Realtime.threadCPUNanoseconds()
            _ = OfflineRender(patch: p, sampleRate: rate, blockSize: 256).run(seconds: seconds)
            let cpu = Double(Realtime.threadCPUNanoseconds() - cpu0) / 1e9
            speeds.append(seconds / cpu)
        }
        speeds.sort()
        print(String(format: "render speed (%@, %.0f s, 256-frame blocks): median %.1f s of audio per CPU-second (min %.1f, max %.1f, %d runs)",
                     p.name, seconds, speeds[speeds.count / 2], speeds.first!, speeds.last!, runs))

        // 2. Each render call alone, as the JACK callback would run it.
        let store = ParameterStore(p.initialSteering)
        let renderer = OfflineRender.makeRenderer(for: p, sampleRate: rate)
        let conductor = Conductor(patch: p, store: store, renderer: renderer)
        let left = UnsafeMutablePointer<Float>.allocate(capacity: block)
        let right = UnsafeMutablePointer<Float>.allocate(capacity: block)
        defer { left.deallocate(); right.deallocate() }
        let calls = Int(seconds * rate) / block
        var times = [UInt64](repeating: 0, count: calls)
        for i in 0..<calls {
            conductor.advance(to: Int64((i + 1) * block) + 512)
            let t0 = Realtime.nowNanoseconds()
            renderer.render(frames: block, left: left, right: right)
            times[i] = Realtime.nowNanoseconds() - t0
        }
        times.sort()
        let period = Double(block) / rate * 1e6
        func us(_ q: Double) -> Double { Double(times[min(times.count - 1, Int(Double(times.count) * q))]) / 1000 }
        print(String(format: "render call (%d frames, period %.0f us, %d calls): median %.1f us (%.2f%% of period), p99.9 %.1f us (%.2f%%), worst %.1f us (%.2f%%)",
                     block, period, calls, us(0.5), us(0.5) / period * 100, us(0.999), us(0.999) / period * 100,
                     Double(times.last!) / 1000, Double(times.last!) / 1000 / period * 100))
    }
}
