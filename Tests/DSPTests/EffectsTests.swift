import DSP
import Foundation
import Testing

@Suite struct EffectsTests {
    /// Runs a stereo effect over inputs in 256-sample blocks; returns the outputs.
    func run(_ inL: [Float], _ inR: [Float], block: Int = 256,
             _ process: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> ([Float], [Float]) {
        var outL = [Float](repeating: 0, count: inL.count)
        var outR = outL
        inL.withUnsafeBufferPointer { l in inR.withUnsafeBufferPointer { r in
            outL.withUnsafeMutableBufferPointer { ol in outR.withUnsafeMutableBufferPointer { or in
                var i = 0
                while i < inL.count {
                    let n = min(block, inL.count - i)
                    process(l.baseAddress! + i, r.baseAddress! + i, ol.baseAddress! + i, or.baseAddress! + i, n)
                    i += n
                }
            } }
        } }
        return (outL, outR)
    }

    func reverbImpulse(size: Float, damping: Float, seconds: Double) -> ([Float], [Float], Float) {
        var reverb = Reverb(sampleRate: 48000)
        defer { reverb.deallocate() }
        reverb.set(size: size, damping: damping, width: 1)
        var inL = [Float](repeating: 0, count: Int(seconds * 48000))
        inL[0] = 1
        let inR = inL
        let (l, r) = run(inL, inR) { reverb.process(inputLeft: $0, inputRight: $1, outputLeft: $2, outputRight: $3, count: $4) }
        return (l, r, reverb.rt60)
    }

    /// RT60 from Schroeder backward integration: the -5...-35 dB slope, extrapolated to -60.
    func measuredRT60(_ x: [Float]) -> Double {
        var energy = [Double](repeating: 0, count: x.count)
        var sum = 0.0
        for i in stride(from: x.count - 1, through: 0, by: -1) {
            sum += Double(x[i]) * Double(x[i])
            energy[i] = sum
        }
        let db = energy.map { 10 * log10(max($0, 1e-30) / energy[0]) }
        let a = db.firstIndex { $0 < -5 }!, b = db.firstIndex { $0 < -35 }!
        return Double(b - a) / 48000 * 2
    }

    @Test(arguments: [Float(0.2), 0.5, 0.8])
    func reverbTailFallsAtTheDocumentedRate(_ size: Float) {
        let documented = 0.3 * pow(30.0, Double(size))
        let (l, r, rt60) = reverbImpulse(size: size, damping: 0, seconds: 1.2 * documented + 0.5)
        // Energy in successive 100 ms windows (after the 100 ms build-up) keeps falling.
        let window = 4800
        var energies: [Double] = []
        for start in stride(from: window, to: l.count - window, by: window) {
            var e = 0.0
            for i in start..<(start + window) { e += Double(l[i]) * Double(l[i]) + Double(r[i]) * Double(r[i]) }
            energies.append(e)
        }
        for (a, b) in zip(energies, energies.dropFirst()) { #expect(b < a) }
        let measured = measuredRT60(l)
        #expect(abs(measured / Double(rt60) - 1) < 0.2, "size \(size): RT60 \(measured) s, documented \(rt60) s")
        #expect(abs(Double(rt60) - documented) < 0.01 * documented)
        #expect(l.map(abs).max()! > 0.01 && l.map(abs).max()! < 1)
    }

    @Test func dampingShortensTheHighs() {
        let bright = reverbImpulse(size: 0.5, damping: 0, seconds: 2).0
        let dark = reverbImpulse(size: 0.5, damping: 1, seconds: 2).0
        func highShare(_ x: [Float]) -> Double {
            let mags = Spectrum.magnitudes(Array(x[24000..<(24000 + 16384)]))
            let total = mags.reduce(0) { $0 + $1 * $1 }
            return mags[(mags.count / 4)...].reduce(0) { $0 + $1 * $1 } / total
        }
        #expect(highShare(dark) < 0.3 * highShare(bright))
    }

    @Test func reverbWidthZeroIsMono() {
        var reverb = Reverb(sampleRate: 48000)
        defer { reverb.deallocate() }
        reverb.set(size: 0.4, damping: 0.3, width: 0)
        var inL = [Float](repeating: 0, count: 24000)
        inL[0] = 1
        let (l, r) = run(inL, [Float](repeating: 0, count: 24000)) { reverb.process(inputLeft: $0, inputRight: $1, outputLeft: $2, outputRight: $3, count: $4) }
        #expect(zip(l, r).map { abs($0 - $1) }.max()! < 1e-6)
        #expect(l.map(abs).max()! > 0.01)
    }

    @Test func reverbSurvivesExtremeSettingsAndInput() {
        var reverb = Reverb(sampleRate: 48000)
        defer { reverb.deallocate() }
        for (size, damping, width) in [(Float(1), Float(0), Float(1)), (0, 1, 0), (.nan, .infinity, -3), (7, -2, 9)] {
            reverb.set(size: size, damping: damping, width: width)
            var inL = (0..<48000).map { Float(sin(Double($0) * 0.37)) * 1000 }
            inL[100] = .nan
            inL[200] = .infinity
            let (l, r) = run(inL, inL.reversed()) { reverb.process(inputLeft: $0, inputRight: $1, outputLeft: $2, outputRight: $3, count: $4) }
            #expect(l.allSatisfy { $0.isFinite } && r.allSatisfy { $0.isFinite })
        }
        // The longest room still loses energy once the input stops.
        reverb.set(size: 1, damping: 0, width: 1)
        let silence = [Float](repeating: 0, count: 48000 * 12)
        let (l, _) = run(silence, silence) { reverb.process(inputLeft: $0, inputRight: $1, outputLeft: $2, outputRight: $3, count: $4) }
        let early = l[0..<48000].reduce(0) { $0 + Double($1 * $1) }
        let late = l[(l.count - 48000)...].reduce(0) { $0 + Double($1 * $1) }
        #expect(late < early * 1e-3)
    }

    func delayImpulse(seconds: Float, feedback: Float, pingPong: Bool, length: Int) -> ([Float], [Float]) {
        var delay = TempoDelay(maxSeconds: 2, sampleRate: 48000)
        defer { delay.deallocate() }
        delay.set(seconds: seconds, feedback: feedback, damping: 0, pingPong: pingPong)
        var inL = [Float](repeating: 0, count: length)
        inL[0] = 1
        let inR = pingPong ? [Float](repeating: 0, count: length) : inL
        return run(inL, inR, block: 100) { delay.process(inputLeft: $0, inputRight: $1, outputLeft: $2, outputRight: $3, count: $4) }
    }

    /// Index of the loudest sample in a range.
    func peakIndex(_ x: [Float], _ range: Range<Int>) -> Int { range.max { abs(x[$0]) < abs(x[$1]) }! }

    @Test func delayEchoesAtTheSetTimeAndDecaysByTheFeedback() {
        let seconds: Float = 0.375   // a dotted eighth at 120 BPM: 18000 samples
        let d = 18000
        let (l, _) = delayImpulse(seconds: seconds, feedback: 0.5, pingPong: false, length: 4 * d)
        for k in 1...3 {
            let i = peakIndex(l, (k * d - 200)..<(k * d + 200))
            #expect(abs(i - k * d) <= 1, "echo \(k) at \(i), expected \(k * d)")
            #expect(abs(l[i] - pow(0.5, Float(k - 1))) < 0.01, "echo \(k) level \(l[i])")
        }
        #expect(l[0..<(d - 2)].allSatisfy { $0 == 0 || abs($0) < 1e-12 })
    }

    @Test func pingPongAlternatesSides() {
        let d = 4800
        let (l, r) = delayImpulse(seconds: 0.1, feedback: 0.6, pingPong: true, length: 4 * d)
        #expect(abs(peakIndex(l, 0..<(d + 100)) - d) <= 1)
        #expect(abs(peakIndex(r, 0..<(2 * d + 100)) - 2 * d) <= 1)
        #expect(abs(peakIndex(l, (d + 100)..<(3 * d + 100)) - 3 * d) <= 1)
        #expect(r[0..<(2 * d - 2)].map(abs).max()! < 1e-9)
    }

    @Test func changingTheDelayTimeGlidesWithoutClicks() {
        var delay = TempoDelay(maxSeconds: 2, sampleRate: 48000)
        defer { delay.deallocate() }
        delay.set(seconds: 0.3, feedback: 0.4, damping: 0.2, pingPong: false)
        let x = (0..<96000).map { Float(0.5 * sin(2 * Double.pi * 440 * Double($0) / 48000)) }
        var outL = [Float](repeating: 0, count: x.count), outR = outL
        x.withUnsafeBufferPointer { input in
            outL.withUnsafeMutableBufferPointer { ol in outR.withUnsafeMutableBufferPointer { or in
                var i = 0
                while i < x.count {
                    if i == 48000 { delay.set(seconds: 0.2, feedback: 0.4, damping: 0.2, pingPong: false) }
                    delay.process(inputLeft: input.baseAddress! + i, inputRight: input.baseAddress! + i,
                                  outputLeft: ol.baseAddress! + i, outputRight: or.baseAddress! + i, count: 64)
                    i += 64
                }
            } }
        }
        let steps = zip(outL.dropFirst(), outL).map { abs($0 - $1) }
        let steady = steps[30000..<48000].max()!
        let change = steps[48000...].max()!
        // A bend of at most 3 semitones raises the slope by at most 19 %; a click would be far more.
        #expect(change < steady * 1.3, "largest step while gliding \(change), steady \(steady)")
    }

    func compress(level db: Float, threshold: Float, ratio: Float) -> (reduction: Double, meter: Float) {
        var c = GlueCompressor(sampleRate: 48000)
        c.set(thresholdDB: threshold, ratio: ratio, attack: 0.005, release: 0.1, makeupDB: 0)
        let amplitude = pow(10, db / 20)
        var l = (0..<48000).map { amplitude * Float(sin(2 * Double.pi * 1000 * Double($0) / 48000)) }
        var r = l
        l.withUnsafeMutableBufferPointer { lp in r.withUnsafeMutableBufferPointer { rp in
            var i = 0
            while i < 48000 { c.process(left: lp.baseAddress! + i, right: rp.baseAddress! + i, count: min(256, 48000 - i)); i += 256 }
        } }
        let outPeak = l[38400...].map(abs).max()!
        return (20 * log10(Double(amplitude / outPeak)), c.gainReductionDB)
    }

    @Test(arguments: [(Float(-6), Float(-20), Float(4)), (-6, -20, 2), (-3, -30, 8), (-12, -18, 3)])
    func compressorSteadyStateReductionFollowsTheRatio(_ level: Float, _ threshold: Float, _ ratio: Float) {
        let expected = Double((level - threshold) * (1 - 1 / ratio))
        let (measured, meter) = compress(level: level, threshold: threshold, ratio: ratio)
        #expect(abs(measured - expected) < 1, "level \(level) dB over \(threshold) at \(ratio):1 reduced \(measured) dB, expected \(expected)")
        #expect(abs(Double(meter) - measured) < 1)
    }

    @Test func compressorLeavesQuietSignalsAlone() {
        let (measured, meter) = compress(level: -30, threshold: -18, ratio: 4)
        #expect(abs(measured) < 0.05 && meter < 0.05)
    }
}
