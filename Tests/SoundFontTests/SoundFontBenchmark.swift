import SoundFont
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Render cost of a SoundFont instrument. Nearly all the work is inside libfluidsynth (an optimised
/// Debian build), so the figure barely moves between debug and release builds of Polyphon.
@Suite struct SoundFontBenchmark {
    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// 16 piano notes sounding together (a 16-note chord, struck again every 2 s), 30 s at 48 kHz,
    /// 64-frame blocks: prints seconds of audio per CPU-second.
    @Test func sixteenPianoNotes() throws {
        let player = try SoundFontPlayer(path: try Rig.fontPath(), sampleRate: 48000, polyphony: 64, program: 0)
        let chord: [UInt8] = [36, 40, 43, 48, 52, 55, 60, 64, 67, 72, 76, 79, 84, 88, 91, 96]
        let frames = 64, seconds = 30
        let left = UnsafeMutablePointer<Float>.allocate(capacity: frames)
        let right = UnsafeMutablePointer<Float>.allocate(capacity: frames)
        defer { left.deallocate(); right.deallocate() }
        left.initialize(repeating: 0, count: frames)
        right.initialize(repeating: 0, count: frames)
        let blocks = 48000 * seconds / frames, strikeEvery = 48000 * 2 / frames
        var voiceSum = 0
        let start = Self.threadCPUSeconds()
        for block in 0..<blocks {
            if block % strikeEvery == 0 {
                for note in chord { player.noteOff(note); player.noteOn(note, velocity: 0.8) }
            }
            player.render(left: left, right: right, count: frames)
            left[0] = 0; right[0] = 0
            voiceSum += player.activeVoices
        }
        let cpu = Self.threadCPUSeconds() - start
        let speed = Double(seconds) / cpu
        let voices = Double(voiceSum) / Double(blocks)
        print("SoundFont benchmark: 16 piano notes (\(Int(voices)) fluidsynth voices on average), \(seconds) s at 48 kHz in \(frames)-frame blocks: \(Int(cpu * 1000)) ms CPU, \(Int(speed)) s of audio per CPU-second")
        #expect(voices >= 16)
        #expect(speed > 1, "slower than real time")
    }
}
