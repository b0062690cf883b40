import Engine
import Foundation
import Testing
import TestSupport

/// Instrument settings changed live: the change reaches the audio from its frame on.
@Suite struct SoundParameterTests {
    /// Energy above `hz` over the spectrum's total, from one Hann-windowed FFT of 4096 samples
    /// in the middle of `x` (enough to tell an open filter from a closed one).
    func brightness(_ x: ArraySlice<Float>, above hz: Double, rate: Double = 48000) -> Double {
        let n = 4096
        let start = x.startIndex + (x.count - n) / 2
        let power = FFT.magnitudes(x[start..<(start + n)], window: FFT.hann).map { $0 * $0 }
        let cut = Int(hz / (rate / Double(n))) + 1
        return power[cut...].reduce(0, +) / max(power.dropFirst().reduce(0, +), 1e-30)
    }

    @Test func aLiveCutoffChangeDarkensThePartFromItsFrame() throws {
        let p = try TestPatches.defaultPatch()
        let chords = p.agents.firstIndex { $0.spec.name == "chords" }!
        let change = at(48000 * 6, cmd("/polyphon/agent/*/sound/cutoff", "chords", .number(120)))
        let both = OfflineRender(patch: p).runWithStems(seconds: 12, changes: [change])
        let plain = OfflineRender(patch: p).runWithStems(seconds: 12)
        let stem = both.stems[chords].left, reference = plain.stems[chords].left
        // Identical before the change, darker after it.
        let before = zip(stem[0..<(48000 * 6)], reference[0..<(48000 * 6)]).map { abs($0 - $1) }.max()!
        #expect(before == 0, "nothing changes before the change's frame")
        let after = brightness(stem[(48000 * 8)..<(48000 * 12)], above: 800)
        let unchanged = brightness(reference[(48000 * 8)..<(48000 * 12)], above: 800)
        #expect(after < unchanged * 0.2, "energy above 800 Hz: \(after) with the filter closed, \(unchanged) without")
    }

    @Test func everyFamilyHasItsParameters() {
        #expect(SoundParameter.of(family: "subtractive").count == 17)
        #expect(SoundParameter.of(family: "fm").count == 9)
        #expect(SoundParameter.of(family: "drumkit").count == 27)
        #expect(SoundParameter.of(family: "soundfont").isEmpty)
        #expect(Set(SoundParameter.all.map(\.code)).count == SoundParameter.all.count, "codes are unique")
    }
}
