import DSP
import Foundation
import Testing

@Suite struct FMTests {
    static let rate: Float = 48000

    /// A steady two-op patch: both envelopes at full sustain, no velocity or key scaling.
    func twoOp(index: Float, carrierLevel: Float = 1) -> FMSettings {
        FMSettings(algorithm: .twoOp, ratios: [1, 2, 1, 1], levels: [carrierLevel, index, 0, 0],
                   attack: [0.001, 0.001, 0.001, 0.001], decay: [1, 1, 1, 1], sustain: [1, 1, 1, 1],
                   release: [0.1, 0.1, 0.1, 0.1], feedback: 0, velocitySensitivity: 0, keyScaling: 0)
    }

    func render(_ settings: FMSettings, note: UInt8 = 69, count: Int, skip: Int = 4800, brightness: Float = 0.6) -> [Float] {
        var voice = FMVoice()
        voice.start(note: note, velocity: 1, settings: settings, sampleRate: Self.rate)
        var buffer = [Float](repeating: 0, count: skip + count)
        buffer.withUnsafeMutableBufferPointer { p in
            var i = 0
            while i < p.count {
                let n = min(64, p.count - i)
                _ = voice.render(into: p.baseAddress! + i, count: n, settings: settings, brightness: brightness, sampleRate: Self.rate)
                i += n
            }
        }
        return Array(buffer[skip...])
    }

    /// Bessel function of the first kind, by its power series (fine for small arguments).
    func besselJ(_ k: Int, _ x: Double) -> Double {
        var sum = 0.0
        for m in 0..<30 {
            let term = pow(-1, Double(m)) / (tgamma(Double(m + 1)) * tgamma(Double(m + k + 1))) * pow(x / 2, Double(2 * m + k))
            sum += term
        }
        return sum
    }

    @Test func twoOpOneToTwoHasBesselSidebandsAtTheExpectedFrequencies() {
        // Carrier 440 Hz, modulator 880 Hz, index 1.5: components at 440 ± 880k fold onto the
        // odd harmonics of 440 (440: J0+J1, 1320: J1-J2, 2200: J2+J3), and nothing at 880 or 1760.
        let index = 1.5
        let x = render(twoOp(index: Float(index)), count: 32768)
        let mags = Spectrum.magnitudes(x)
        func db(_ hz: Double) -> Double { Spectrum.level(mags, at: hz, sampleRate: 48000, size: x.count) }
        let f = Double(noteFrequency(69))
        let j = (0...4).map { besselJ($0, index) }
        let expected = [(f, abs(j[0] + j[1])), (3 * f, abs(j[1] - j[2])), (5 * f, abs(j[2] + j[3]))]
        let reference = db(f)
        for (hz, amplitude) in expected.dropFirst() {
            let want = 20 * log10(amplitude / expected[0].1)
            let got = db(hz) - reference
            #expect(abs(got - want) < 0.5, "sideband at \(hz) Hz: \(got) dB, Bessel says \(want) dB")
        }
        for hz in [2 * f, 4 * f, 6 * f] {
            #expect(db(hz) - reference < -60, "no component expected at \(hz) Hz")
        }
    }

    @Test func zeroModulationIsAPureSine() {
        let x = render(twoOp(index: 0), count: 32768)
        let mags = Spectrum.magnitudes(x)
        let binHz = 48000.0 / Double(x.count)
        let f = Double(noteFrequency(69))
        let fundamental = mags[Int(f / binHz) - 3...Int(f / binHz) + 3].max()!
        var worst = 0.0
        for (k, m) in mags.enumerated() where abs(Double(k) * binHz - f) > 6 * binHz {
            worst = max(worst, m)
        }
        #expect(20 * log10(worst / fundamental) < -60)
        // Level: carrier level 1 at full velocity is a 0.5-peak sine.
        #expect(abs(x.map(abs).max()! - 0.5) < 0.01)
    }

    @Test func brightnessScalesTheModulationIndex() {
        func centroid(_ brightness: Float) -> Double {
            let x = render(twoOp(index: 2), count: 8192, brightness: brightness)
            let mags = Spectrum.magnitudes(x)
            let total = mags.reduce(0, +)
            return mags.enumerated().reduce(0) { $0 + Double($1.offset) * $1.element } / total
        }
        let dark = centroid(0), mid = centroid(0.6), bright = centroid(1)
        #expect(dark < mid && mid < bright)
    }

    @Test func retriggeringDoesNotClick() {
        let settings = FMSettings.electricPiano
        var voice = FMVoice()
        voice.start(note: 60, velocity: 0.9, settings: settings, sampleRate: Self.rate)
        var x = [Float](repeating: 0, count: 9600)
        x.withUnsafeMutableBufferPointer { p in
            _ = voice.render(into: p.baseAddress!, count: 4800, settings: settings, brightness: 0.6, sampleRate: Self.rate)
            voice.start(note: 60, velocity: 0.9, settings: settings, sampleRate: Self.rate)
            _ = voice.render(into: p.baseAddress! + 4800, count: 4800, settings: settings, brightness: 0.6, sampleRate: Self.rate)
        }
        let steps = zip(x.dropFirst(), x).map { abs($0 - $1) }
        let before = steps[100..<4790].max()!
        let around = steps[4790..<4820].max()!
        #expect(around <= before * 1.1, "step at retrigger \(around), largest before \(before)")
    }

    @Test(arguments: FMAlgorithm.allCases)
    func everyAlgorithmSoundsAndDecaysAfterRelease(_ algorithm: FMAlgorithm) {
        var settings = FMSettings.bell
        settings.algorithm = algorithm
        settings.feedback = 1
        var voice = FMVoice()
        voice.start(note: 72, velocity: 1, settings: settings, sampleRate: Self.rate)
        var buffer = [Float](repeating: 0, count: 256)
        var peak: Float = 0
        for block in 0..<(48000 * 12 / 256) {
            if block == 200 { voice.stop() }
            for i in 0..<256 { buffer[i] = 0 }
            let ok = buffer.withUnsafeMutableBufferPointer {
                voice.render(into: $0.baseAddress!, count: 256, settings: settings, brightness: 1, sampleRate: Self.rate)
            }
            #expect(ok)
            peak = max(peak, buffer.map(abs).max()!)
            #expect(buffer.allSatisfy { $0.isFinite })
        }
        #expect(peak > 0.05 && peak < 2)
        #expect(!voice.isActive)
    }

    @Test func presetsAndNames() {
        for algorithm in FMAlgorithm.allCases { #expect(FMAlgorithm(name: algorithm.name) == algorithm) }
        #expect(FMAlgorithm(name: "two-stacks") == .twoStacks)
        #expect(FMAlgorithm(name: "dx7") == nil)
        #expect(FMSettings() == FMSettings.electricPiano)
        #expect(FMSettings.bell != FMSettings.bass)
        for preset in [FMSettings.bell, .electricPiano, .bass] {
            let x = render(preset, note: 48, count: 24000, skip: 0)
            let peak = x.map(abs).max()!
            #expect(peak > 0.1 && peak < 1.5)
        }
    }

    @Test func aBlownUpVoiceResetsItselfSilent() {
        var settings = twoOp(index: 1)
        settings.ratios[1] = .nan
        var voice = FMVoice()
        voice.start(note: 60, velocity: 1, settings: settings, sampleRate: Self.rate)
        var buffer = [Float](repeating: 0, count: 64)
        let ok = buffer.withUnsafeMutableBufferPointer {
            voice.render(into: $0.baseAddress!, count: 64, settings: settings, brightness: 0.6, sampleRate: Self.rate)
        }
        #expect(!ok)
        #expect(!voice.isActive)
    }
}
