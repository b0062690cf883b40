import DSP

/// An FM part's voices on the audio thread, and the A and B ends of its morph. Each voice has a
/// slot that keeps the order its note started in (for stealing the oldest) and whether its key
/// is still held. Storage is allocated in `init` on a control thread and freed by `deallocate()`.
struct FMTrack {
    struct Slot {
        var age: UInt32 = 0
        var gate = false
    }

    var fmA: FMSettings
    var fmB: FMSettings
    let hasMorph: Bool
    let voices: UnsafeMutablePointer<FMVoice>
    let slots: UnsafeMutablePointer<Slot>
    let voiceCount: Int
    var nextAge: UInt32 = 0

    init(_ f: FMSettings, morphTo b: FMSettings?) {
        fmA = f
        fmB = b ?? f
        hasMorph = b != nil
        voiceCount = max(1, f.polyphony)
        voices = .allocate(capacity: voiceCount)
        voices.initialize(repeating: FMVoice(), count: voiceCount)
        slots = .allocate(capacity: voiceCount)
        slots.initialize(repeating: Slot(), count: voiceCount)
    }

    func deallocate() {
        voices.deinitialize(count: voiceCount)
        voices.deallocate()
        slots.deallocate()
    }

    // real time
    @_noAllocation @_noLocks
    mutating func noteOn(_ note: UInt8, velocity: Float, morph: Float, sampleRate: Float) {
        // A free voice, else the oldest; FM voices retrigger from their current levels.
        let f = hasMorph ? fmA.morphed(to: fmB, morph) : fmA
        var chosen = 0
        var oldest = UInt32.max
        for i in 0..<voiceCount {
            if !voices[i].isActive { chosen = i; break }
            if slots[i].age < oldest { oldest = slots[i].age; chosen = i }
        }
        nextAge &+= 1
        slots[chosen].age = nextAge
        slots[chosen].gate = true
        voices[chosen].start(note: note, velocity: velocity, settings: f, sampleRate: sampleRate)
    }

    // real time
    @_noAllocation @_noLocks
    func noteOff(_ note: UInt8) {
        for i in 0..<voiceCount where voices[i].isActive && voices[i].note == note && slots[i].gate {
            voices[i].stop()
            slots[i].gate = false
            return
        }
    }

    /// A live `SoundParameter` of the FM family (codes 32...40).
    // real time
    @_noAllocation @_noLocks
    mutating func setSound(code: UInt8, value: Float) {
        var a = fmA
        switch code {
        case 32...35: a.ratios[Int(code) - 32] = value
        case 36...39: a.levels[Int(code) - 36] = value
        case 40: a.feedback = value
        default: return
        }
        fmA = a
        if !hasMorph { fmB = a }
    }

    // real time
    @_noAllocation @_noLocks
    func allNotesOff() {
        for i in 0..<voiceCount {
            slots[i].gate = false
            voices[i].stop()
        }
    }

    // real time
    @_noAllocation @_noLocks
    func activeVoices() -> Int {
        var n = 0
        for i in 0..<voiceCount where voices[i].isActive { n += 1 }
        return n
    }

    /// Adds the sounding voices into `scratch`; false when none sounds.
    // real time
    @_noAllocation @_noLocks
    func render(into scratch: UnsafeMutablePointer<Float>, count: Int, morph m0: Float, brightness bright: Float,
                sampleRate: Float, resets: inout Int) -> Bool {
        var sounding = false
        let f = hasMorph && m0 > 0 ? fmA.morphed(to: fmB, m0) : fmA
        for i in 0..<voiceCount where voices[i].isActive {
            sounding = true
            if !voices[i].render(into: scratch, count: count, settings: f, brightness: bright, sampleRate: sampleRate) {
                resets += 1
            }
        }
        return sounding
    }

    /// A closed channel lets its voices go at once.
    // real time
    @_noAllocation @_noLocks
    func releaseSilently() {
        for i in 0..<voiceCount where voices[i].isActive { voices[i].kill() }
    }
}
