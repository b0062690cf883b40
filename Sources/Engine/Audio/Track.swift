import DSP
import SoundFont

/// One agent's channel on the audio thread: its instrument's voices, its LFO, its timbre morph
/// and its channel strip, all smoothed so changes never click.
///
/// Voice storage is allocated in `init` on a control thread and freed by `deallocate()` from the
/// renderer's deinit (a control thread too: `Stage` retires renderers and frees them in `collect()`).
struct Track {
    enum Kind { case synth, fm, drums, soundFont }

    let kind: Kind
    /// The A and B ends of the timbre morph (B = A when the agent has no morph).
    var settings: SynthSettings
    var settingsB: SynthSettings
    let hasMorph: Bool
    /// `polyphony * unison` voices; note n uses voices n*unison ..< (n+1)*unison.
    let voices: UnsafeMutablePointer<SynthVoice>
    let voiceCount: Int
    let unison: Int
    /// FM voices and the A/B ends of an FM morph.
    let fmVoices: UnsafeMutablePointer<FMVoice>
    var fmA: FMSettings
    var fmB: FMSettings
    let drums: UnsafeMutablePointer<DrumVoice>
    var kitA: DrumKitSettings.Tuning
    var kitB: DrumKitSettings.Tuning
    static let drumSounds: [DrumSound] = [.kick, .snare, .clap, .closedHat, .openHat, .lowTom, .midTom, .highTom, .percussion]
    /// `drumSounds.count`, as a literal the audio thread can read without touching the array.
    static var drumCount: Int { 9 }
    var nextAge: UInt32 = 0
    var strip: ChannelStrip
    var brightness: Smoother
    /// Timbre morph position between the A (0) and B (1) settings, smoothed at audio rate.
    var morph: Smoother
    /// The morph smoother's per-sample coefficient, for voices that follow it sample by sample.
    let morphCoefficient: Float
    /// The agent's LFO, run at control rate: one value per voice control step of the current
    /// chunk (`maxChunk / step + 2` of them).
    var modulator = LFO()
    let lfo: UnsafeMutablePointer<Float>
    /// Oscillator work space for the voices: two control steps (A and B waves).
    let work: UnsafeMutablePointer<Float>
    static var lfoCapacity: Int { Renderer.maxChunk / SynthVoice.step + 2 }
    /// Voices reset by the NaN guard.
    var resets = 0
    /// The SoundFont instrument, loaded (or taken from fluidsynth's shared sample cache) in
    /// `init`, reached on the audio thread without ARC and released in `deallocate()`. Nil for
    /// the other instruments, and for a SoundFont track whose font failed to load: that track is
    /// silent, and the renderer counts it.
    var player: Unmanaged<SoundFontPlayer>? = nil
    /// The SoundFont's right channel for one chunk; the left one renders into the scratch.
    let soundFontRight: UnsafeMutablePointer<Float>
    /// `SoundFontSettings.velocity`: the share of the agent's velocity passed on.
    var soundFontVelocity: Float = 1

    /// - Parameter problem: set to why a SoundFont could not be loaded (the track is then silent).
    init(instrument: InstrumentSpec, morphTo: InstrumentSpec?, gain: Float, pan: Float, reverb: Float, delay: Float,
         sampleRate: Float, seed: UInt32, problem: inout String?) {
        var kit = DrumKitSettings()
        fmA = FMSettings()
        fmB = fmA
        switch instrument {
        case .subtractive(let s):
            kind = .synth
            settings = s
            if case .subtractive(let b)? = morphTo { settingsB = b; hasMorph = true } else { settingsB = s; hasMorph = false }
            unison = min(max(1, s.unison), 4)
            voiceCount = max(1, s.polyphony) * unison
        case .fm(let f):
            kind = .fm
            fmA = f
            if case .fm(let b)? = morphTo { fmB = b; hasMorph = true } else { fmB = f; hasMorph = false }
            settings = SynthSettings()
            settingsB = settings
            unison = 1
            voiceCount = max(1, f.polyphony)
        case .drumKit(let k):
            kind = .drums
            kit = k
            settings = SynthSettings()
            settingsB = settings
            hasMorph = morphTo != nil
            unison = 1
            voiceCount = 0
        case .soundFont(let sf):
            kind = .soundFont
            settings = SynthSettings()
            settingsB = settings
            hasMorph = false
            unison = 1
            voiceCount = 0
            soundFontVelocity = min(max(sf.velocity, 0), 1)
            do {
                player = .passRetained(try SoundFontPlayer(path: sf.font, sampleRate: sampleRate, polyphony: sf.polyphony,
                                                           program: sf.program, bank: sf.bank,
                                                           gain: SoundFontSettings.playerGain))
            } catch {
                problem = "\(error)"
            }
        }
        soundFontRight = .allocate(capacity: Renderer.maxChunk)
        soundFontRight.initialize(repeating: 0, count: Renderer.maxChunk)
        voices = .allocate(capacity: max(1, voiceCount))
        for i in 0..<max(1, voiceCount) { (voices + i).initialize(to: SynthVoice(seed: seed &+ UInt32(i) &* 40_503)) }
        fmVoices = .allocate(capacity: max(1, voiceCount))
        fmVoices.initialize(repeating: FMVoice(), count: max(1, voiceCount))
        kitA = kit.tuning
        if case .drumKit(let b)? = morphTo { kitB = b.tuning } else { kitB = kitA }
        drums = .allocate(capacity: Track.drumSounds.count)
        for (i, sound) in Track.drumSounds.enumerated() {
            (drums + i).initialize(to: DrumVoice(sound: sound, seed: seed &+ UInt32(i) &* 7919))
        }
        strip = ChannelStrip(gain: gain, pan: pan, reverb: reverb, delay: delay, sampleRate: sampleRate)
        brightness = Smoother(value: 0.6, time: 0.4, sampleRate: sampleRate)
        morph = Smoother(value: 0, time: 0.08, sampleRate: sampleRate)
        morphCoefficient = Envelope.coefficient(seconds: 0.08, sampleRate: sampleRate)
        lfo = .allocate(capacity: Track.lfoCapacity)
        lfo.initialize(repeating: 0, count: Track.lfoCapacity)
        work = .allocate(capacity: 2 * SynthVoice.step)
        work.initialize(repeating: 0, count: 2 * SynthVoice.step)
    }

    func deallocate() {
        voices.deinitialize(count: max(1, voiceCount))
        voices.deallocate()
        fmVoices.deinitialize(count: max(1, voiceCount))
        fmVoices.deallocate()
        drums.deinitialize(count: Track.drumSounds.count)
        drums.deallocate()
        lfo.deallocate()
        work.deallocate()
        soundFontRight.deallocate()
        player?.release()
    }

    /// The kit piece a General MIDI drum note plays, or -1.
    // real time
    @_noAllocation @_noLocks
    static func drumIndex(_ note: UInt8) -> Int {
        switch note {
        case 35, 36: 0
        case 38, 40: 1
        case 39: 2
        case 42, 44: 3
        case 46: 4
        case 41, 43: 5
        case 45, 47: 6
        case 48, 50: 7
        case 37, 54, 56, 75, 76, 77: 8
        default: -1
        }
    }

    // real time
    @_noAllocation @_noLocks
    mutating func noteOn(_ note: UInt8, velocity: Float, sampleRate: Float) {
        if case .soundFont = kind {
            guard velocity > 0 else { return }
            let v = 1 - soundFontVelocity + soundFontVelocity * velocity
            player?._withUnsafeGuaranteedRef { $0.noteOn(note, velocity: v) }
            return
        }
        if case .drums = kind {
            let index = Track.drumIndex(note)
            if index < 0 { return }
            if index == 3 { drums[4].choke(sampleRate: sampleRate) }
            // Drum hits take the morph where it stands when they start.
            let m = morph.value
            drums[index].tune = kitA.tune[index] + (kitB.tune[index] - kitA.tune[index]) * m
            drums[index].decay = kitA.decay[index] + (kitB.decay[index] - kitA.decay[index]) * m
            drums[index].tone = kitA.tone[index] + (kitB.tone[index] - kitA.tone[index]) * m
            drums[index].trigger(velocity: velocity, sampleRate: sampleRate)
            return
        }
        if case .fm = kind {
            // A free voice, else the oldest; FM voices retrigger from their current levels.
            let f = hasMorph ? fmA.morphed(to: fmB, morph.value) : fmA
            var chosen = 0
            var oldest = UInt32.max
            for i in 0..<voiceCount {
                if !fmVoices[i].isActive { chosen = i; break }
                if voices[i].age < oldest { oldest = voices[i].age; chosen = i }
            }
            nextAge &+= 1
            // The synth voice slot keeps the FM voice's age and gate.
            voices[chosen].age = nextAge
            voices[chosen].gate = true
            fmVoices[chosen].start(note: note, velocity: velocity, settings: f, sampleRate: sampleRate)
            return
        }
        let s = settings.morphed(to: settingsB, morph.value)
        let groups = voiceCount / unison
        var chosen = 0
        if s.polyphony == 1 || groups == 1 {
            chosen = 0
        } else {
            // A free group, else the one whose note started longest ago.
            var oldest = UInt32.max
            for g in 0..<groups {
                let v = voices[g * unison]
                if !v.isActive { chosen = g; break }
                if v.age < oldest { oldest = v.age; chosen = g }
            }
        }
        nextAge &+= 1
        let spread = unison > 1 ? s.spread : 0
        let unisonGain: Float = switch unison {
        case 1: 1
        case 2: 0.72
        case 3: 0.6
        default: 0.52
        }
        for u in 0..<unison {
            let cents = unison > 1 ? spread * (Float(u) / Float(unison - 1) - 0.5) * 2 : 0
            voices[chosen * unison + u].start(note: note, velocity: velocity, age: nextAge, unisonCents: cents,
                                             unisonGain: unisonGain, settings: s, sampleRate: sampleRate)
        }
    }

    // real time
    @_noAllocation @_noLocks
    mutating func noteOff(_ note: UInt8) {
        if case .soundFont = kind {
            player?._withUnsafeGuaranteedRef { $0.noteOff(note) }
            return
        }
        if case .fm = kind {
            for i in 0..<voiceCount where fmVoices[i].isActive && fmVoices[i].note == note && voices[i].gate {
                fmVoices[i].stop()
                voices[i].gate = false
                return
            }
            return
        }
        guard case .synth = kind else { return }
        var stopped = false
        for i in 0..<voiceCount where voices[i].gate && voices[i].note == note && voices[i].fadeRemaining == 0 {
            voices[i].stop()
            stopped = true
            // Every unison voice of one note shares its age.
            let age = voices[i].age
            for j in 0..<voiceCount where voices[j].age == age && voices[j].gate { voices[j].stop() }
            break
        }
        _ = stopped
    }

    /// A live instrument setting (`SoundParameter`): the A end of the morph, and the B end too
    /// when the agent has no morph. A code that isn't this instrument's is ignored (the router
    /// refuses it before it gets here).
    // real time
    @_noAllocation @_noLocks
    mutating func setSound(code: UInt8, value: Float) {
        switch kind {
        case .synth:
            var a = settings
            switch code {
            case 0: a.cutoff = value
            case 1: a.resonance = value
            case 2: a.envAmount = value
            case 3: a.keyTrack = value
            case 4: a.attack = value
            case 5: a.decay = value
            case 6: a.sustain = value
            case 7: a.release = value
            case 8: a.detune = value
            case 9: a.width = value
            case 10: a.noise = value
            case 11: a.lfoRate = value
            case 12: a.lfoPitch = value
            case 13: a.lfoCutoff = value
            case 14: a.lfoWidth = value
            case 15: a.glide = value
            case 16: a.spread = value
            default: return
            }
            settings = a
            if !hasMorph { settingsB = a }
        case .fm:
            var a = fmA
            switch code {
            case 32...35: a.ratios[Int(code) - 32] = value
            case 36...39: a.levels[Int(code) - 36] = value
            case 40: a.feedback = value
            default: return
            }
            fmA = a
            if !hasMorph { fmB = a }
        case .drums:
            guard code >= 64 else { return }
            let piece = Int(code - 64) / 3
            guard piece < Track.drumCount else { return }
            switch (code - 64) % 3 {
            case 0: kitA.tune[piece] = value
            case 1: kitA.decay[piece] = value
            default: kitA.tone[piece] = value
            }
            if !hasMorph { kitB = kitA }
        case .soundFont:
            return
        }
    }

    // real time
    @_noAllocation @_noLocks
    mutating func allNotesOff() {
        for i in 0..<voiceCount { voices[i].stop() }
        if case .fm = kind { for i in 0..<voiceCount { fmVoices[i].stop() } }
        if case .soundFont = kind { player?._withUnsafeGuaranteedRef { $0.allNotesOff() } }
    }

    // real time
    @_noAllocation @_noLocks
    func activeVoices() -> Int {
        var n = 0
        if case .synth = kind {
            for i in 0..<voiceCount where voices[i].isActive { n += 1 }
        } else if case .fm = kind {
            for i in 0..<voiceCount where fmVoices[i].isActive { n += 1 }
        } else if case .soundFont = kind {
            if let player { n = player._withUnsafeGuaranteedRef { $0.activeVoices } }
        } else {
            for i in 0..<Track.drumCount where drums[i].isActive { n += 1 }
        }
        return n
    }

    /// Fills `lfo` with one value per control step of the chunk.
    // real time
    @_noAllocation @_noLocks
    mutating func runLFO(_ s: SynthSettings, count: Int, sampleRate: Float) {
        let steps = (count + SynthVoice.step - 1) / SynthVoice.step
        let increment = s.lfoRate * Float(SynthVoice.step) / sampleRate
        for k in 0..<steps { lfo[k] = modulator.next(s.lfoShape, increment: increment) }
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
        var sounding = false
        if case .soundFont = kind {
            renderSoundFont(scratch: scratch, into: out, count: count)
            return
        }
        if !strip.isClosed {
            scratch.update(repeating: 0, count: count)
            if case .synth = kind {
                let s = hasMorph && m0 > 0 ? settings.morphed(to: settingsB, m0) : settings
                let needsLFO = s.lfoPitch != 0 || s.lfoCutoff != 0 || s.lfoWidth != 0
                if needsLFO { runLFO(s, count: count, sampleRate: sampleRate) }
                // With no LFO depth the values are never used; the buffer keeps its old ones.
                let morphNow: Float = hasMorph ? m0 : 0, morphTarget: Float = hasMorph ? morph.target : 0
                for i in 0..<voiceCount where voices[i].isActive {
                    sounding = true
                    if hasMorph { voices[i].configure(s, sampleRate: sampleRate) }
                    if !voices[i].render(into: scratch, count: count, settings: s, b: settingsB, morph: morphNow,
                                         morphTarget: morphTarget, morphCoefficient: morphCoefficient,
                                         lfo: lfo, work: work, brightness: bright, sampleRate: sampleRate) {
                        resets += 1
                    }
                }
            } else if case .fm = kind {
                let f = hasMorph && m0 > 0 ? fmA.morphed(to: fmB, m0) : fmA
                for i in 0..<voiceCount where fmVoices[i].isActive {
                    sounding = true
                    if !fmVoices[i].render(into: scratch, count: count, settings: f, brightness: bright, sampleRate: sampleRate) {
                        resets += 1
                    }
                }
            } else {
                for i in 0..<Track.drumCount where drums[i].isActive {
                    sounding = true
                    if !drums[i].render(into: scratch, count: count, gain: 1, sampleRate: sampleRate) { resets += 1 }
                }
            }
        } else {
            // A closed channel lets its voices go at once: they cannot be heard, and nothing is
            // left to click in when it opens again.
            releaseSilently(sampleRate: sampleRate)
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
    mutating func renderSoundFont(scratch: UnsafeMutablePointer<Float>, into out: MixTargets, count: Int) {
        guard let player else {
            strip.idle(count)
            if let sl = out.stemLeft, let sr = out.stemRight {
                sl.update(repeating: 0, count: count)
                sr.update(repeating: 0, count: count)
            }
            return
        }
        let right = soundFontRight
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

    // real time
    @_noAllocation @_noLocks
    mutating func releaseSilently(sampleRate: Float) {
        if case .synth = kind {
            for i in 0..<voiceCount where voices[i].isActive {
                voices[i].amp.kill()
                voices[i].fadeRemaining = 0
                voices[i].gainNow = 0
                voices[i].stepLeft = 0
            }
        } else if case .fm = kind {
            for i in 0..<voiceCount where fmVoices[i].isActive { fmVoices[i].kill() }
        } else {
            for i in 0..<Track.drumCount where drums[i].isActive { drums[i].trigger(velocity: 0, sampleRate: sampleRate) }
        }
    }
}

extension DrumKitSettings {
    /// Each piece's pitch and decay multipliers, flattened for the audio thread.
    /// Semitones, decay multipliers and tones per piece.
    struct Tuning {
        var tune: InlineArray<9, Float>
        var decay: InlineArray<9, Float>
        var tone: InlineArray<9, Float>
    }

    var tuning: Tuning {
        var t = Tuning(tune: InlineArray(repeating: 0), decay: InlineArray(repeating: 1), tone: InlineArray(repeating: 0.5))
        // The kit-wide `tune` is a frequency multiplier (1 = stock); pieces add semitones.
        let kitSemitones = 12 * fastLog2(max(tune, 0.01))
        for i in 0..<min(9, pieces.count) {
            t.tune[i] = kitSemitones + pieces[i].tune
            t.decay[i] = decay * pieces[i].decay
            t.tone[i] = pieces[i].tone
        }
        return t
    }
}
