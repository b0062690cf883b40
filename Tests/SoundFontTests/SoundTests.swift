import SoundFont
import Testing

/// What the instruments sound like, measured: pitch, level, decay, timbre, and that render adds.
@Suite struct SoundTests {
    func piano(program: Int = 0, polyphony: Int = 32) throws -> SoundFontPlayer {
        try SoundFontPlayer(path: try Rig.fontPath(), sampleRate: 48000, polyphony: polyphony, program: program)
    }

    @Test func middleCOnPianoHasItsFundamentalAt261Hz() throws {
        let player = try piano()
        let out = Rig.render(player, seconds: 1) { frame in if frame == 0 { player.noteOn(60, velocity: 0.8) } }
        let peak = Spectrum(out.left, sampleRate: 48000).peak(from: 50, to: 2000)
        let level = out.left.map(abs).max()!
        print("middle C on \(player.presetName): spectral peak \(peak) Hz, sample peak \(level)")
        #expect(abs(peak - 261.63) / 261.63 < 0.02)
        #expect(!out.left.contains { !$0.isFinite } && !out.right.contains { !$0.isFinite })
        #expect(level < 1 && level > 0.01)
    }

    /// After note-off the sound falls away and the voices free up; a held note keeps sounding.
    @Test func noteOffDecays() throws {
        let released = try piano(), held = try piano()
        let r = Rig.render(released, seconds: 5) { frame in
            if frame == 0 { released.noteOn(60, velocity: 0.8) }
            if (48000..<48256).contains(frame) { released.noteOff(60) }   // the block holding 1 s
        }
        let h = Rig.render(held, seconds: 5) { frame in if frame == 0 { held.noteOn(60, velocity: 0.8) } }
        let windows = (0..<8).map { Rig.rms(r.left[(48000 + $0 * 12000)..<(60000 + $0 * 12000)]) }
        let before = Rig.rms(r.left[38400..<48000])
        let late = Rig.rms(r.left[(48000 * 3)..<(48000 * 3 + 9600)]), lateHeld = Rig.rms(h.left[(48000 * 3)..<(48000 * 3 + 9600)])
        print("piano RMS before note-off \(before); per 0.25 s after: \(windows); at 3 s released \(late), held \(lateHeld); voices left \(released.activeVoices)")
        #expect(zip(windows, windows.dropFirst()).allSatisfy { $1 < $0 || $1 == 0 })   // falling until silent
        #expect(late < before * 0.1)
        #expect(late < lateHeld * 0.1)
        #expect(released.activeVoices == 0)
        #expect(held.activeVoices > 0)
    }

    /// At the default gain, a 16-note chord at full velocity has headroom, and a single note is
    /// not so quiet that the track has to make it up.
    @Test func levelsAtDefaultGain() throws {
        let player = try piano(polyphony: 64)
        let chord: [UInt8] = [36, 40, 43, 48, 52, 55, 60, 64, 67, 72, 76, 79, 84, 88, 91, 96]
        let out = Rig.render(player, seconds: 1) { frame in if frame == 0 { for note in chord { player.noteOn(note, velocity: 1) } } }
        let peak = max(out.left.map(abs).max()!, out.right.map(abs).max()!)
        print("16-note piano chord at velocity 1: peak \(peak)")
        #expect(peak < 1)
        #expect(peak > 0.1)
    }

    @Test func allNotesOffReleasesAChord() throws {
        let player = try piano(program: 48)   // strings sustain until released
        let out = Rig.render(player, seconds: 4) { frame in
            if frame == 0 { for note: UInt8 in [48, 52, 55, 60] { player.noteOn(note, velocity: 0.7) } }
            if frame == 96000 { player.allNotesOff() }
        }
        let held = Rig.rms(out.left[86400..<96000])
        let released = Rig.rms(out.left[(96000 + 72000)..<192000])
        print("strings chord RMS held \(held), 1.5 s after all-notes-off \(released)")
        #expect(held > 0.01)
        #expect(released < held * 0.05)
    }

    /// Piano, strings and trumpet on the same note have clearly different spectral envelopes.
    @Test func programsSoundDifferent() throws {
        var profiles: [Int: [Double]] = [:]
        for program in [0, 48, 56] {
            let player = try piano(program: program)
            let out = Rig.render(player, seconds: 1) { frame in if frame == 0 { player.noteOn(60, velocity: 0.8) } }
            profiles[program] = Spectrum(Array(out.left[9600...]), sampleRate: 48000).bandProfile()
        }
        func distance(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + abs($1.0 - $1.1) } / 2 }
        let pairs = [(0, 48), (0, 56), (48, 56)]
        for (a, b) in pairs {
            let d = distance(profiles[a]!, profiles[b]!)
            print("spectral distance program \(a) vs \(b): \(d)")
            #expect(d > 0.1)
        }
        // The same program twice is the same sound: the measure is not just noise.
        let again = try piano(program: 0)
        let out = Rig.render(again, seconds: 1) { frame in if frame == 0 { again.noteOn(60, velocity: 0.8) } }
        #expect(distance(profiles[0]!, Spectrum(Array(out.left[9600...]), sampleRate: 48000).bandProfile()) < 0.01)
    }

    /// render mixes into what is already in the buffers, as a Track sums instruments.
    @Test func renderAdds() throws {
        let a = try piano(), b = try piano()
        let alone = Rig.render(a, seconds: 0.5) { frame in if frame == 0 { a.noteOn(64, velocity: 0.9) } }
        b.noteOn(64, velocity: 0.9)
        var left = [Float](repeating: 0.25, count: 24000), right = [Float](repeating: -0.25, count: 24000)
        left.withUnsafeMutableBufferPointer { l in
            right.withUnsafeMutableBufferPointer { r in
                for start in stride(from: 0, to: 24000, by: 256) {
                    b.render(left: l.baseAddress! + start, right: r.baseAddress! + start, count: min(256, 24000 - start))
                }
            }
        }
        let worst = (0..<24000).map { max(abs(left[$0] - 0.25 - alone.left[$0]), abs(right[$0] + 0.25 - alone.right[$0])) }.max()!
        #expect(Rig.rms(alone.left[...]) > 0.01)
        #expect(worst < 1e-6)
    }

    /// fluidsynth computes in 64-frame blocks and keeps what it has rendered ahead, so a note starts
    /// on the first 64-frame boundary at or after the frame it was played at: up to 63 frames late,
    /// but the same however the host splits its blocks (the engine's sample-exactness rule).
    @Test func onsetIsOnA64FrameGridWhateverTheSplit() throws {
        let eventFrame = 1000
        func play(block: Int) throws -> [Float] {
            let player = try piano()
            var out = [Float](repeating: 0, count: 4800), right = [Float](repeating: 0, count: 4800)
            out.withUnsafeMutableBufferPointer { l in
                right.withUnsafeMutableBufferPointer { r in
                    var frame = 0
                    while frame < 4800 {
                        if frame == eventFrame { player.noteOn(67, velocity: 1) }
                        var n = min(block, 4800 - frame)
                        if frame < eventFrame { n = min(n, eventFrame - frame) }   // split at the event
                        player.render(left: l.baseAddress! + frame, right: r.baseAddress! + frame, count: n)
                        frame += n
                    }
                }
            }
            return out
        }
        let a = try play(block: 256), b = try play(block: 100), c = try play(block: 64)
        let onset = a.firstIndex { $0 != 0 } ?? -1
        print("note played at frame \(eventFrame) starts at frame \(onset)")
        let grid = (eventFrame + 63) / 64 * 64   // 1024 (the sample's first value may be 0)
        #expect((grid..<(grid + 4)).contains(onset))
        #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-7 })
        #expect(zip(a, c).allSatisfy { abs($0 - $1) < 1e-7 })
    }

    @Test func velocityShapesLevel() throws {
        var levels: [Float] = []
        for velocity: Float in [0.2, 1.0] {
            let player = try piano()
            let out = Rig.render(player, seconds: 0.5) { frame in if frame == 0 { player.noteOn(60, velocity: velocity) } }
            levels.append(Rig.rms(out.left[...]))
        }
        #expect(levels[1] > levels[0] * 2)
    }

    @Test func zeroOrNaNVelocityPlaysNothing() throws {
        let player = try piano()
        player.noteOn(60, velocity: 0)
        player.noteOn(62, velocity: .nan)
        player.noteOn(200, velocity: 1)
        #expect(player.activeVoices == 0)
    }
}
