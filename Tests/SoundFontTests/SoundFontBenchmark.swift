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

    static func monotonicNanoseconds() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    static func residentMegabytes() -> Double {
        guard let file = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        guard fgets(&line, 256, file) != nil else { return 0 }
        let fields = String(cString: line).split(separator: " ")
        guard fields.count > 1, let resident = Int(fields[1]) else { return 0 }
        return Double(resident * Int(sysconf(Int32(_SC_PAGESIZE)))) / 1_048_576
    }

    /// fluidsynth shares one copy of a font's samples between synths (its sample cache), so each
    /// extra SoundFont agent costs its voices and buffers, not another 140 MB.
    @Test func aSecondPlayerOfTheSameFontSharesItsSamples() throws {
        let path = try Rig.fontPath()
        let before = Self.residentMegabytes()
        let first = try SoundFontPlayer(path: path, sampleRate: 48000, polyphony: 64, program: 0)
        let afterFirst = Self.residentMegabytes()
        let second = try SoundFontPlayer(path: path, sampleRate: 48000, polyphony: 64, program: 48)
        let afterSecond = Self.residentMegabytes()
        print("SoundFont memory: resident \(Int(before)) MB, +\(Int(afterFirst - before)) MB for the first player, +\(Int(afterSecond - afterFirst)) MB for a second of the same font")
        #expect(afterSecond - afterFirst < 30)
        #expect(first.presetName != second.presetName)
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
        var callNanoseconds = [UInt64](repeating: 0, count: blocks), callCPU = [Double](repeating: 0, count: blocks)
        let start = Self.threadCPUSeconds()
        for block in 0..<blocks {
            let callStart = Self.monotonicNanoseconds(), callCPUStart = Self.threadCPUSeconds()
            if block % strikeEvery == 0 {
                for note in chord { player.noteOff(note); player.noteOn(note, velocity: 0.8) }
            }
            player.render(left: left, right: right, count: frames)
            callCPU[block] = Self.threadCPUSeconds() - callCPUStart
            callNanoseconds[block] = Self.monotonicNanoseconds() - callStart
            left[0] = 0; right[0] = 0
            voiceSum += player.activeVoices
        }
        let cpu = Self.threadCPUSeconds() - start
        let speed = Double(seconds) / cpu
        let voices = Double(voiceSum) / Double(blocks)
        print("SoundFont benchmark: 16 piano notes (\(Int(voices)) fluidsynth voices on average), \(seconds) s at 48 kHz in \(frames)-frame blocks: \(Int(cpu * 1000)) ms CPU, \(Int(speed)) s of audio per CPU-second")
        callNanoseconds.sort()
        callCPU.sort()
        let worst = Double(callNanoseconds.last!) / 1e6, p999 = Double(callNanoseconds[blocks * 999 / 1000]) / 1e6
        let worstCPU = callCPU.last! * 1e3, p999CPU = callCPU[blocks * 999 / 1000] * 1e3
        print("SoundFont benchmark: one 64-frame call (notes + render) against the 1.333 ms period: CPU time 99.9th percentile \(p999CPU) ms, worst \(worstCPU) ms; wall time (includes preemption by other processes) 99.9th percentile \(p999) ms, worst \(worst) ms")
        #expect(voices >= 16)
        #expect(speed > 1, "slower than real time")
    }
}
