import DSP
import Foundation
import Testing

@Suite struct DrumTests {
    func hit(_ sound: DrumSound, seconds: Float, tune: Float = 0, tone: Float = 0.5, decay: Float = 1) -> (samples: [Float], voice: DrumVoice) {
        var voice = DrumVoice(sound: sound, seed: 7)
        voice.tune = tune
        voice.tone = tone
        voice.decay = decay
        voice.trigger(velocity: 1, sampleRate: 48000)
        var x = [Float](repeating: 0, count: Int(seconds * 48000))
        x.withUnsafeMutableBufferPointer { p in
            var i = 0
            while i < p.count {
                let n = min(64, p.count - i)
                let ok = voice.render(into: p.baseAddress! + i, count: n, gain: 1, sampleRate: 48000)
                #expect(ok)
                i += n
            }
        }
        return (x, voice)
    }

    /// Frequency of the loudest bin between 40 Hz and 2 kHz, over a window after the attack.
    func pitch(_ x: [Float]) -> Double {
        let window = Array(x[2400..<(2400 + 8192)])
        let mags = Spectrum.magnitudes(window)
        let binHz = 48000.0 / 8192
        let range = Int(40 / binHz)...Int(2000 / binHz)
        let k = range.max { mags[$0] < mags[$1] }!
        return Double(k) * binHz
    }

    @Test func tomsAreOrderedLowMidHighAndTuneMovesThem() {
        let low = pitch(hit(.lowTom, seconds: 0.5).samples)
        let mid = pitch(hit(.midTom, seconds: 0.5).samples)
        let high = pitch(hit(.highTom, seconds: 0.5).samples)
        #expect(low < mid && mid < high, "toms at \(low), \(mid), \(high) Hz")
        #expect(low > 70 && high < 260)
        // +12 semitones doubles the pitch (within a bin or two).
        let up = pitch(hit(.midTom, seconds: 0.5, tune: 12).samples)
        #expect(abs(up / mid - 2) < 0.1, "mid tom +12 st at \(up) Hz vs \(mid) Hz")
    }

    @Test(arguments: DrumSound.allCases)
    func everyVoiceSoundsThenDecaysToSilence(_ sound: DrumSound) {
        for tone: Float in [0, 0.5, 1] {
            let (x, voice) = hit(sound, seconds: 4, tone: tone, decay: 1.5)
            let peak = x.map(abs).max()!
            #expect(peak > 0.05 && peak < 2, "\(sound) tone \(tone) peak \(peak)")
            #expect(x.allSatisfy { $0.isFinite })
            #expect(!voice.isActive, "\(sound) still sounding after 4 s")
            let tail = x[(x.count - 4800)...].map(abs).max()!
            #expect(tail < 1e-3)
        }
    }

    @Test func decayMultiplierLengthensTheTail() {
        func length(_ d: Float) -> Int {
            let x = hit(.lowTom, seconds: 3, decay: d).samples
            return x.lastIndex { abs($0) > 0.01 } ?? 0
        }
        #expect(Double(length(2)) > 1.6 * Double(length(1)))
    }

    @Test func toneBrightensTheHats() {
        func highEnergy(_ tone: Float) -> Double {
            let x = hit(.closedHat, seconds: 0.1, tone: tone).samples
            let mags = Spectrum.magnitudes(Array(x[0..<4096]))
            let start = Int(12000.0 / (48000.0 / 4096))
            return mags[start...].reduce(0) { $0 + $1 * $1 } / mags.reduce(0) { $0 + $1 * $1 }
        }
        #expect(highEnergy(1) > highEnergy(0))
    }

    @Test func percussionIsMetallicNotAPitchedSine() {
        // Energy near both square fundamentals (587 and 845 Hz) and their odd harmonics.
        let x = hit(.percussion, seconds: 0.3).samples
        let mags = Spectrum.magnitudes(Array(x[0..<8192]))
        func db(_ hz: Double) -> Double { Spectrum.level(mags, at: hz, sampleRate: 48000, size: 8192) }
        let floor = db(300)
        #expect(db(587) - floor > 15 && db(845) - floor > 15 && db(3 * 587) - floor > 10)
    }

    @Test func nonFiniteSettingsNeverBlowUp() {
        let (x, _) = hit(.snare, seconds: 0.2, tune: .nan, tone: .infinity, decay: .nan)
        #expect(x.allSatisfy { $0.isFinite })
    }
}
