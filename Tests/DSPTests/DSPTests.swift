import DSP
import Foundation
import Testing

@Suite struct DSPTests {
    /// RMS of a buffer in dB.
    func rmsDB(_ x: [Float]) -> Double {
        let ms = x.map { Double($0) * Double($0) }.reduce(0, +) / Double(x.count)
        return 10 * log10(max(ms, 1e-20))
    }

    @Test func limiterHoldsTheCeilingOnAPlus12dBInput() {
        var limiter = Limiter(ceiling: 0.891, lookahead: 72, releaseSeconds: 0.1, sampleRate: 48000)
        defer { limiter.deallocate() }
        let n = 48000
        var l = (0..<n).map { Float(3.98 * sin(2 * Double.pi * 220 * Double($0) / 48000)) } // +12 dBFS
        var r = l
        l[1000] = .nan
        l.withUnsafeMutableBufferPointer { lp in
            r.withUnsafeMutableBufferPointer { rp in limiter.process(left: lp.baseAddress!, right: rp.baseAddress!, count: n) }
        }
        #expect(l.allSatisfy { $0.isFinite })
        #expect((l + r).map(abs).max()! <= 0.891 + 1e-6)
        // It limits, it does not mute: the steady state sits near the ceiling.
        #expect(rmsDB(Array(l[24000...])) > -5)
    }

    @Test func lowPassPassesTheBandAndCutsAboveIt() {
        func response(_ hz: Double) -> Double {
            var f = StateVariableFilter()
            f.set(cutoff: 1000, resonance: 0, sampleRate: 48000)
            let x = (0..<48000).map { Float(sin(2 * Double.pi * hz * Double($0) / 48000)) }
            let y = x.map { f.process($0, mode: .lowPass) }
            return rmsDB(Array(y[24000...])) - rmsDB(Array(x[24000...]))
        }
        #expect(abs(response(100)) < 0.5)
        #expect(abs(response(1000) + 3) < 1.5)   // -3 dB at cutoff (resonance 0 = Butterworth-like)
        #expect(response(8000) < -30)            // 12 dB/octave: 3 octaves up
    }

    @Test func sawAliasingIsFarBelowTheFundamental() {
        // A 5 kHz saw at 48 kHz: energy away from the harmonics (aliases) vs the fundamental.
        let n = 48000
        var osc = Oscillator()
        let x = (0..<n).map { _ in Double(osc.next(.saw, increment: 5000 / 48000)) }
        func power(_ hz: Double) -> Double {
            var re = 0.0, im = 0.0
            for (i, v) in x.enumerated() { re += v * cos(2 * .pi * hz * Double(i) / 48000); im -= v * sin(2 * .pi * hz * Double(i) / 48000) }
            return (re * re + im * im)
        }
        let fundamental = power(5000)
        // 30 kHz folds to 18 kHz; 35 kHz to 13 kHz: the strongest aliases of a naive saw.
        for alias in [18000.0, 13000.0] {
            let db = 10 * log10(power(alias) / fundamental)
            #expect(db < -60, "alias at \(alias) Hz is \(db) dB")
        }
    }

    @Test func envelopeReachesSustainAndReleasesToSilence() {
        var e = Envelope()
        e.configure(attack: 0.01, decay: 0.05, sustain: 0.5, release: 0.1, sampleRate: 48000)
        e.gateOn()
        var peak: Float = 0
        for _ in 0..<480 { peak = max(peak, e.next()) }
        #expect(abs(peak - 1) < 0.01)
        for _ in 0..<9600 { _ = e.next() }
        #expect(abs(e.level - 0.5) < 0.01)
        e.gateOff()
        for _ in 0..<4800 { _ = e.next() }   // the release time: -60 dB
        #expect(e.level < 0.5 * 0.0015)
        for _ in 0..<4800 { _ = e.next() }
        #expect(!e.isActive)
    }

    @Test func closedHatChokesTheOpenHat() {
        var open = DrumVoice(sound: .openHat, seed: 1)
        open.trigger(velocity: 1, sampleRate: 48000)
        var buffer = [Float](repeating: 0, count: 480)
        _ = buffer.withUnsafeMutableBufferPointer { open.render(into: $0.baseAddress!, count: 480, gain: 1, sampleRate: 48000) }
        #expect(open.isActive)
        open.choke(sampleRate: 48000)
        buffer = [Float](repeating: 0, count: 4800)
        _ = buffer.withUnsafeMutableBufferPointer { open.render(into: $0.baseAddress!, count: 4800, gain: 1, sampleRate: 48000) }
        #expect(!open.isActive)
    }
}
