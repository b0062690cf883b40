import DSP
import Foundation
import Testing

/// CPU cost of each kernel in ns per sample, on this thread's CPU clock (robust to other load).
/// Off by default; run in release:
///     POLYPHON_BENCH=1 swift test -c release --filter KernelBenchmarks
/// The budgets are loose (several times the figures measured when written) so the test catches
/// a regression, such as an oscillator that stopped inlining, without flaking on a busy machine.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["POLYPHON_BENCH"] != nil))
struct KernelBenchmarks {
    static func cpuNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Best of five runs of `body`, which processes `samples` samples, in ns per sample.
    func measure(_ name: String, samples: Int, budget: Double, _ body: () -> Void) {
        body()
        var best = Double.infinity
        for _ in 0..<5 {
            let start = Self.cpuNanoseconds()
            body()
            best = min(best, Double(Self.cpuNanoseconds() - start) / Double(samples))
        }
        print("kernel \(name): \(String(format: "%.2f", best)) ns/sample")
        #expect(best < budget, "\(name) costs \(best) ns/sample, budget \(budget)")
    }

    @Test func nanosecondsPerSample() {
        let n = 256, blocks = 200, voices = 64
        let out = UnsafeMutablePointer<Float>.allocate(capacity: n)
        let out2 = UnsafeMutablePointer<Float>.allocate(capacity: n)
        let inL = UnsafeMutablePointer<Float>.allocate(capacity: n)
        let inR = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { out.deallocate(); out2.deallocate(); inL.deallocate(); inR.deallocate() }
        var noise = Noise(seed: 5)
        for i in 0..<n { out[i] = 0; out2[i] = 0; inL[i] = 0.3 * noise.next(); inR[i] = 0.3 * noise.next() }

        let oscillators = UnsafeMutablePointer<Oscillator>.allocate(capacity: voices)
        defer { oscillators.deallocate() }
        for k in 0..<voices { (oscillators + k).initialize(to: Oscillator(phase: Float(k) / Float(voices))) }
        let increment = { (k: Int) in noteFrequency(Float(36 + k % 48)) / 48000 }
        for wave in [Waveform.saw, .square, .triangle, .sine] {
            measure("oscillator \(wave), per voice", samples: n * blocks * voices, budget: 20) {
                for _ in 0..<blocks {
                    for k in 0..<voices {
                        var o = oscillators[k]
                        let inc = increment(k)
                        for i in 0..<n { out[i] += o.next(wave, increment: inc) }
                        oscillators[k] = o
                    }
                }
            }
        }
        for wave in [Waveform.saw, .pulse] {
            measure("oscillator \(wave) block render, per voice", samples: n * blocks * voices, budget: 20) {
                for _ in 0..<blocks {
                    for k in 0..<voices { oscillators[k].render(wave, increment: increment(k), width: 0.4, into: out, count: n, adding: true) }
                }
            }
        }
        measure("oscillator pulse with PWM, per voice", samples: n * blocks * voices, budget: 25) {
            for _ in 0..<blocks {
                for k in 0..<voices {
                    var o = oscillators[k]
                    let inc = increment(k)
                    for i in 0..<n { out[i] += o.next(.pulse, increment: inc, width: 0.3 + 0.0005 * Float(i)) }
                    oscillators[k] = o
                }
            }
        }

        let filters = UnsafeMutablePointer<StateVariableFilter>.allocate(capacity: voices)
        defer { filters.deallocate() }
        for k in 0..<voices {
            var f = StateVariableFilter()
            f.set(cutoff: 300 + 50 * Float(k), resonance: 0.5, sampleRate: 48000)
            (filters + k).initialize(to: f)
        }
        measure("state-variable low-pass, per voice", samples: n * blocks * voices, budget: 20) {
            for _ in 0..<blocks {
                for k in 0..<voices {
                    var f = filters[k]
                    for i in 0..<n { out[i] = f.process(inL[i] + out[i] * 0.5, mode: .lowPass) }
                    filters[k] = f
                }
            }
        }

        let fm = UnsafeMutablePointer<FMVoice>.allocate(capacity: 16)
        defer { fm.deallocate() }
        for preset in [("electric piano", FMSettings.electricPiano), ("bass", FMSettings.bass)] {
            var settings = preset.1
            settings.sustain = [1, 1, 1, 1]
            for k in 0..<16 {
                (fm + k).initialize(to: FMVoice())
                fm[k].start(note: UInt8(40 + k), velocity: 0.8, settings: settings, sampleRate: 48000)
            }
            measure("FM voice \(preset.0), per voice", samples: n * blocks * 16, budget: 80) {
                for _ in 0..<blocks {
                    for k in 0..<16 { _ = fm[k].render(into: out, count: n, settings: settings, brightness: 0.6, sampleRate: 48000) }
                }
            }
        }

        var reverb = Reverb(sampleRate: 48000)
        defer { reverb.deallocate() }
        reverb.set(size: 0.6, damping: 0.4, width: 1)
        measure("reverb, per stereo sample", samples: n * blocks * 10, budget: 60) {
            for _ in 0..<(blocks * 10) { reverb.process(inputLeft: inL, inputRight: inR, outputLeft: out, outputRight: out2, count: n) }
        }
        var delay = TempoDelay(maxSeconds: 2, sampleRate: 48000)
        defer { delay.deallocate() }
        delay.set(seconds: 0.375, feedback: 0.45, damping: 0.3, pingPong: true)
        measure("tempo delay, per stereo sample", samples: n * blocks * 10, budget: 30) {
            for _ in 0..<(blocks * 10) { delay.process(inputLeft: inL, inputRight: inR, outputLeft: out, outputRight: out2, count: n) }
        }
        var compressor = GlueCompressor(sampleRate: 48000)
        compressor.set(thresholdDB: -20, ratio: 3, attack: 0.01, release: 0.2, makeupDB: 2)
        measure("glue compressor, per stereo sample", samples: n * blocks * 10, budget: 20) {
            for _ in 0..<(blocks * 10) {
                for i in 0..<n { out[i] = inL[i]; out2[i] = inR[i] }
                compressor.process(left: out, right: out2, count: n)
            }
        }
        var drums = DrumSound.allCases.enumerated().map { DrumVoice(sound: $0.element, seed: UInt32($0.offset + 1)) }
        let kit = drums.count
        measure("drum voice, per voice", samples: n * blocks * kit, budget: 60) {
            drums.withUnsafeMutableBufferPointer { d in
                for _ in 0..<blocks {
                    for k in 0..<kit {
                        if !d[k].isActive { d[k].trigger(velocity: 1, sampleRate: 48000) }
                        _ = d[k].render(into: out, count: n, gain: 1, sampleRate: 48000)
                    }
                }
            }
        }
        #expect(out[0].isFinite)
    }
}
