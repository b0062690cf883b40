import DSP

/// A subtractive part's voices on the audio thread: `polyphony * unison` `SynthVoice`s (note n
/// uses voices n*unison ..< (n+1)*unison), the A and B ends of its timbre morph, and the agent's
/// LFO run at control rate. Storage is allocated in `init` on a control thread and freed by
/// `deallocate()` (see `Track`).
struct SubtractiveTrack {
    /// The A and B ends of the timbre morph (B = A when the agent has no morph).
    var settings: SynthSettings
    var settingsB: SynthSettings
    let hasMorph: Bool
    let voices: UnsafeMutablePointer<SynthVoice>
    let voiceCount: Int
    let unison: Int
    var nextAge: UInt32 = 0
    /// The agent's LFO, run at control rate: one value per voice control step of the current
    /// chunk (`lfoCapacity` of them).
    var modulator = LFO()
    let lfo: UnsafeMutablePointer<Float>
    /// Oscillator work space for the voices: two control steps (A and B waves).
    let work: UnsafeMutablePointer<Float>
    static var lfoCapacity: Int { Renderer.maxChunk / SynthVoice.step + 2 }

    init(_ s: SynthSettings, morphTo b: SynthSettings?, seed: UInt32) {
        settings = s
        settingsB = b ?? s
        hasMorph = b != nil
        unison = min(max(1, s.unison), 4)
        voiceCount = max(1, s.polyphony) * unison
        voices = .allocate(capacity: voiceCount)
        for i in 0..<voiceCount { (voices + i).initialize(to: SynthVoice(seed: seed &+ UInt32(i) &* 40_503)) }
        lfo = .allocate(capacity: Self.lfoCapacity)
        lfo.initialize(repeating: 0, count: Self.lfoCapacity)
        work = .allocate(capacity: 2 * SynthVoice.step)
        work.initialize(repeating: 0, count: 2 * SynthVoice.step)
    }

    func deallocate() {
        voices.deinitialize(count: voiceCount)
        voices.deallocate()
        lfo.deallocate()
        work.deallocate()
    }

    // real time
    @_noAllocation @_noLocks
    mutating func noteOn(_ note: UInt8, velocity: Float, morph: Float, sampleRate: Float) {
        let s = settings.morphed(to: settingsB, morph)
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
    func noteOff(_ note: UInt8) {
        for i in 0..<voiceCount where voices[i].gate && voices[i].note == note && voices[i].fadeRemaining == 0 {
            voices[i].stop()
            // Every unison voice of one note shares its age.
            let age = voices[i].age
            for j in 0..<voiceCount where voices[j].age == age && voices[j].gate { voices[j].stop() }
            break
        }
    }

    /// A live `SoundParameter` of the subtractive family (codes 0...16).
    // real time
    @_noAllocation @_noLocks
    mutating func setSound(code: UInt8, value: Float) {
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
    }

    // real time
    @_noAllocation @_noLocks
    func allNotesOff() {
        for i in 0..<voiceCount { voices[i].stop() }
    }

    // real time
    @_noAllocation @_noLocks
    func activeVoices() -> Int {
        var n = 0
        for i in 0..<voiceCount where voices[i].isActive { n += 1 }
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

    /// Adds the sounding voices into `scratch`; false when none sounds. `resets` counts voices the
    /// NaN guard reset. `morph` is the morph at the chunk start, `morphTarget` where it heads.
    // real time
    @_noAllocation @_noLocks
    mutating func render(into scratch: UnsafeMutablePointer<Float>, count: Int, morph m0: Float, morphTarget: Float,
                         morphCoefficient: Float, brightness bright: Float, sampleRate: Float, resets: inout Int) -> Bool {
        var sounding = false
        let s = hasMorph && m0 > 0 ? settings.morphed(to: settingsB, m0) : settings
        let needsLFO = s.lfoPitch != 0 || s.lfoCutoff != 0 || s.lfoWidth != 0
        if needsLFO { runLFO(s, count: count, sampleRate: sampleRate) }
        // With no LFO depth the values are never used; the buffer keeps its old ones.
        let morphNow: Float = hasMorph ? m0 : 0, target: Float = hasMorph ? morphTarget : 0
        for i in 0..<voiceCount where voices[i].isActive {
            sounding = true
            if hasMorph { voices[i].configure(s, sampleRate: sampleRate) }
            if !voices[i].render(into: scratch, count: count, settings: s, b: settingsB, morph: morphNow,
                                 morphTarget: target, morphCoefficient: morphCoefficient,
                                 lfo: lfo, work: work, brightness: bright, sampleRate: sampleRate) {
                resets += 1
            }
        }
        return sounding
    }

    /// A closed channel lets its voices go at once.
    // real time
    @_noAllocation @_noLocks
    func releaseSilently() {
        for i in 0..<voiceCount where voices[i].isActive {
            voices[i].amp.kill()
            voices[i].fadeRemaining = 0
            voices[i].gainNow = 0
            voices[i].stepLeft = 0
        }
    }
}
