import SoundFont

/// A SoundFont part on the audio thread: the fluidsynth instrument, loaded (or taken from
/// fluidsynth's shared sample cache) in `init` on a control thread, reached without ARC and
/// released in `deallocate()`. With no player (the font failed to load) the track is silent,
/// and the renderer counts it.
struct SoundFontTrack {
    var player: Unmanaged<SoundFontPlayer>?
    /// The SoundFont's right channel for one chunk; the left one renders into the scratch.
    let right: UnsafeMutablePointer<Float>
    /// `SoundFontSettings.velocity`: the share of the agent's velocity passed on.
    let velocity: Float

    /// - Parameter problem: set to why the font could not be loaded.
    init(_ sf: SoundFontSettings, sampleRate: Float, problem: inout String?) {
        velocity = min(max(sf.velocity, 0), 1)
        do {
            player = .passRetained(try SoundFontPlayer(path: sf.font, sampleRate: sampleRate, polyphony: sf.polyphony,
                                                       program: sf.program, bank: sf.bank,
                                                       gain: SoundFontSettings.playerGain))
        } catch {
            player = nil
            problem = "\(error)"
        }
        right = .allocate(capacity: Renderer.maxChunk)
        right.initialize(repeating: 0, count: Renderer.maxChunk)
    }

    func deallocate() {
        right.deallocate()
        player?.release()
    }

    // real time
    @_noAllocation @_noLocks
    func noteOn(_ note: UInt8, velocity: Float) {
        guard velocity > 0 else { return }
        let v = 1 - self.velocity + self.velocity * velocity
        player?._withUnsafeGuaranteedRef { $0.noteOn(note, velocity: v) }
    }

    // real time
    @_noAllocation @_noLocks
    func noteOff(_ note: UInt8) {
        player?._withUnsafeGuaranteedRef { $0.noteOff(note) }
    }

    // real time
    @_noAllocation @_noLocks
    func allNotesOff() {
        player?._withUnsafeGuaranteedRef { $0.allNotesOff() }
    }

    // real time
    @_noAllocation @_noLocks
    func activeVoices() -> Int {
        guard let player else { return 0 }
        return player._withUnsafeGuaranteedRef { $0.activeVoices }
    }

    /// The SoundFont renders every chunk, open or not, so its 64-frame grid stays locked to the
    /// renderer's clock: a note then starts at the first multiple of 64 frames (since this
    /// renderer began) at or after its event, however the host splits blocks. Its output is
    /// always mixed (a voice's last computed frames can still be buffered after fluidsynth counts
    /// it gone; mixing exact zeros changes nothing).
    ///
    /// The preset's own stereo image (fluidsynth pans some samples, e.g. piano keys low to high)
    /// is folded to mono, L + R, before the channel strip pans the part like any other.
    // real time
    @_noAllocation @_noLocks
    func render(scratch: UnsafeMutablePointer<Float>, into out: MixTargets, count: Int, strip: inout ChannelStrip) {
        guard let player else {
            strip.idle(count)
            if let sl = out.stemLeft, let sr = out.stemRight {
                sl.update(repeating: 0, count: count)
                sr.update(repeating: 0, count: count)
            }
            return
        }
        let right = right
        scratch.update(repeating: 0, count: count)
        right.update(repeating: 0, count: count)
        let closed = strip.isClosed
        player._withUnsafeGuaranteedRef { p in
            // A closed channel lets its voices go at once, as the synths do.
            // (Nested ifs: `&&` would wrap `p` in an autoclosure, which retains it.)
            if closed {
                if p.activeVoices > 0 { p.allSoundsOff() }
            }
            p.render(left: scratch, right: right, count: count)
        }
        if closed {
            strip.idle(count)
            if let sl = out.stemLeft, let sr = out.stemRight {
                sl.update(repeating: 0, count: count)
                sr.update(repeating: 0, count: count)
            }
            return
        }
        var i = 0
        while i < count {
            scratch[i] += right[i]
            i += 1
        }
        strip.mix(scratch, into: out, count: count)
    }
}
