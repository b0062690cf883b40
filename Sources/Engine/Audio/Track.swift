import DSP

/// One agent's channel on the audio thread: its instrument's voices, its timbre morph and its
/// channel strip, all smoothed so changes never click.
///
/// The instrument is an enum with one payload per kind, not a protocol: the audio thread
/// switches on it with no existential, no ARC and no allocation, and only the kind in use
/// allocates its voices. Voice storage is allocated in `init` on a control thread and freed by
/// `deallocate()` from the renderer's deinit (a control thread too: `Stage` retires renderers
/// and frees them in `collect()`).
struct Track {
    enum Instrument {
        case subtractive(SubtractiveTrack)
        case fm(FMTrack)
        case drumKit(DrumKitTrack)
        case soundFont(SoundFontTrack)
    }

    var instrument: Instrument
    var strip: ChannelStrip
    var brightness: Smoother
    /// Timbre morph position between the A (0) and B (1) settings, smoothed at audio rate.
    var morph: Smoother
    /// The morph smoother's per-sample coefficient, for voices that follow it sample by sample.
    let morphCoefficient: Float
    /// Voices reset by the NaN guard.
    var resets = 0

    /// - Parameter problem: set to why a SoundFont could not be loaded (the track is then silent).
    init(instrument spec: InstrumentSpec, morphTo: InstrumentSpec?, gain: Float, pan: Float, reverb: Float, delay: Float,
         sampleRate: Float, seed: UInt32, problem: inout String?) {
        switch spec {
        case .subtractive(let s):
            var b: SynthSettings?
            if case .subtractive(let x)? = morphTo { b = x }
            instrument = .subtractive(SubtractiveTrack(s, morphTo: b, seed: seed))
        case .fm(let f):
            var b: FMSettings?
            if case .fm(let x)? = morphTo { b = x }
            instrument = .fm(FMTrack(f, morphTo: b))
        case .drumKit(let k):
            var b: DrumKitSettings?
            if case .drumKit(let x)? = morphTo { b = x }
            instrument = .drumKit(DrumKitTrack(k, morphTo: b, hasMorph: morphTo != nil, seed: seed))
        case .soundFont(let sf):
            instrument = .soundFont(SoundFontTrack(sf, sampleRate: sampleRate, problem: &problem))
        }
        strip = ChannelStrip(gain: gain, pan: pan, reverb: reverb, delay: delay, sampleRate: sampleRate)
        brightness = Smoother(value: 0.6, time: 0.4, sampleRate: sampleRate)
        morph = Smoother(value: 0, time: 0.08, sampleRate: sampleRate)
        morphCoefficient = Envelope.coefficient(seconds: 0.08, sampleRate: sampleRate)
    }

    func deallocate() {
        switch instrument {
        case .subtractive(let t): t.deallocate()
        case .fm(let t): t.deallocate()
        case .drumKit(let t): t.deallocate()
        case .soundFont(let t): t.deallocate()
        }
    }

    // real time
    @_noAllocation @_noLocks
    mutating func noteOn(_ note: UInt8, velocity: Float, sampleRate: Float) {
        switch instrument {
        case .subtractive(var t):
            t.noteOn(note, velocity: velocity, morph: morph.value, sampleRate: sampleRate)
            instrument = .subtractive(t)
        case .fm(var t):
            t.noteOn(note, velocity: velocity, morph: morph.value, sampleRate: sampleRate)
            instrument = .fm(t)
        case .drumKit(let t):
            t.noteOn(note, velocity: velocity, morph: morph.value, sampleRate: sampleRate)
        case .soundFont(let t):
            t.noteOn(note, velocity: velocity)
        }
    }

    // real time
    @_noAllocation @_noLocks
    func noteOff(_ note: UInt8) {
        switch instrument {
        case .subtractive(let t): t.noteOff(note)
        case .fm(let t): t.noteOff(note)
        case .drumKit: return
        case .soundFont(let t): t.noteOff(note)
        }
    }

    /// A live instrument setting (`SoundParameter`): the A end of the morph, and the B end too
    /// when the agent has no morph. A code that isn't this instrument's is ignored (the router
    /// refuses it before it gets here).
    // real time
    @_noAllocation @_noLocks
    mutating func setSound(code: UInt8, value: Float) {
        switch instrument {
        case .subtractive(var t):
            t.setSound(code: code, value: value)
            instrument = .subtractive(t)
        case .fm(var t):
            t.setSound(code: code, value: value)
            instrument = .fm(t)
        case .drumKit(var t):
            t.setSound(code: code, value: value)
            instrument = .drumKit(t)
        case .soundFont:
            return
        }
    }

    // real time
    @_noAllocation @_noLocks
    func allNotesOff() {
        switch instrument {
        case .subtractive(let t): t.allNotesOff()
        case .fm(let t): t.allNotesOff()
        case .drumKit: return
        case .soundFont(let t): t.allNotesOff()
        }
    }

    // real time
    @_noAllocation @_noLocks
    func activeVoices() -> Int {
        switch instrument {
        case .subtractive(let t): t.activeVoices()
        case .fm(let t): t.activeVoices()
        case .drumKit(let t): t.activeVoices()
        case .soundFont(let t): t.activeVoices()
        }
    }

    /// Renders the instrument (mono) into `scratch`, then mixes it through the channel strip.
    // real time
    @_noAllocation @_noLocks
    mutating func render(scratch: UnsafeMutablePointer<Float>, into out: MixTargets, count: Int, sampleRate: Float) {
        // The value at the chunk's start, then advance: where an event splits a block must not
        // change any sample before the event.
        let bright = brightness.value
        _ = brightness.advance(count)
        let m0 = morph.value
        _ = morph.advance(count)
        if case .soundFont(let t) = instrument {
            t.render(scratch: scratch, into: out, count: count, strip: &strip)
            return
        }
        var sounding = false
        if !strip.isClosed {
            scratch.update(repeating: 0, count: count)
            switch instrument {
            case .subtractive(var t):
                sounding = t.render(into: scratch, count: count, morph: m0, morphTarget: morph.target,
                                    morphCoefficient: morphCoefficient, brightness: bright, sampleRate: sampleRate,
                                    resets: &resets)
                instrument = .subtractive(t)
            case .fm(let t):
                sounding = t.render(into: scratch, count: count, morph: m0, brightness: bright, sampleRate: sampleRate,
                                    resets: &resets)
            case .drumKit(let t):
                sounding = t.render(into: scratch, count: count, sampleRate: sampleRate, resets: &resets)
            case .soundFont:
                break
            }
        } else {
            // A closed channel lets its voices go at once: they cannot be heard, and nothing is
            // left to click in when it opens again.
            switch instrument {
            case .subtractive(let t): t.releaseSilently()
            case .fm(let t): t.releaseSilently()
            case .drumKit(let t): t.releaseSilently(sampleRate: sampleRate)
            case .soundFont: break
            }
        }
        if !sounding {
            strip.idle(count)
            if let sl = out.stemLeft, let sr = out.stemRight {
                sl.update(repeating: 0, count: count)
                sr.update(repeating: 0, count: count)
            }
            return
        }
        strip.mix(scratch, into: out, count: count)
    }
}
