import DSP

/// One agent's channel on the audio thread: its instrument's voices and its strip (gain, pan,
/// mute, brightness), all smoothed so changes never click.
///
/// Voice storage is allocated by `Renderer.init` on a control thread and freed by its deinit.
struct Track {
    enum Kind { case synth, drums }

    let kind: Kind
    var settings: SynthSettings
    let voices: UnsafeMutablePointer<SynthVoice>
    let voiceCount: Int
    let drums: UnsafeMutablePointer<DrumVoice>
    static let drumSounds: [DrumSound] = [.kick, .snare, .clap, .closedHat, .openHat]
    /// `drumSounds.count`, as a literal the audio thread can read without touching the array.
    static var drumCount: Int { 5 }
    var nextAge: UInt32 = 0
    var gain: Smoother
    var pan: Smoother
    var mute: Smoother
    var brightness: Smoother
    /// Voices reset by the NaN guard.
    var resets = 0

    init(instrument: InstrumentSpec, gain: Float, pan: Float, sampleRate: Float, seed: UInt32) {
        switch instrument {
        case .subtractive(let s):
            kind = .synth
            settings = s
            voiceCount = max(1, s.polyphony)
        case .drumKit:
            kind = .drums
            settings = SynthSettings()
            voiceCount = 0
        }
        voices = .allocate(capacity: max(1, voiceCount))
        voices.initialize(repeating: SynthVoice(), count: max(1, voiceCount))
        drums = .allocate(capacity: Track.drumSounds.count)
        for (i, sound) in Track.drumSounds.enumerated() {
            var voice = DrumVoice(sound: sound, seed: seed &+ UInt32(i) &* 7919)
            if case .drumKit(let tune, let decay) = instrument {
                voice.tune = tune
                voice.decay = decay
            }
            (drums + i).initialize(to: voice)
        }
        self.gain = Smoother(value: gain, time: 0.05, sampleRate: sampleRate)
        self.pan = Smoother(value: pan, time: 0.05, sampleRate: sampleRate)
        mute = Smoother(value: 1, time: 0.02, sampleRate: sampleRate)
        brightness = Smoother(value: 0.6, time: 0.4, sampleRate: sampleRate)
    }

    func deallocate() {
        voices.deinitialize(count: max(1, voiceCount))
        voices.deallocate()
        drums.deinitialize(count: Track.drumSounds.count)
        drums.deallocate()
    }

    // real time
    @_noAllocation @_noLocks
    mutating func noteOn(_ note: UInt8, velocity: Float, sampleRate: Float) {
        if case .drums = kind {
            let index: Int
            switch note {
            case 35, 36: index = 0
            case 38, 40: index = 1
            case 39: index = 2
            case 42, 44: index = 3
            case 46: index = 4
            default: return
            }
            if index == 3 { drums[4].choke(sampleRate: sampleRate) }
            drums[index].trigger(velocity: velocity, sampleRate: sampleRate)
            return
        }
        // A free voice, else the oldest one.
        var chosen = 0
        var oldest = UInt32.max
        for i in 0..<voiceCount {
            if !voices[i].amp.isActive { chosen = i; break }
            if voices[i].age < oldest { oldest = voices[i].age; chosen = i }
        }
        nextAge &+= 1
        voices[chosen].start(note: note, velocity: velocity, age: nextAge, settings: settings, sampleRate: sampleRate)
    }

    // real time
    @_noAllocation @_noLocks
    mutating func noteOff(_ note: UInt8) {
        guard case .synth = kind else { return }
        for i in 0..<voiceCount where voices[i].gate && voices[i].note == note {
            voices[i].stop()
            return
        }
    }

    // real time
    @_noAllocation @_noLocks
    mutating func allNotesOff() {
        for i in 0..<voiceCount { voices[i].stop() }
    }

    // real time
    @_noAllocation @_noLocks
    func activeVoices() -> Int {
        var n = 0
        if case .synth = kind {
            for i in 0..<voiceCount where voices[i].amp.isActive { n += 1 }
        } else {
            for i in 0..<Track.drumCount where drums[i].isActive { n += 1 }
        }
        return n
    }

    /// Renders the instrument (mono) into `scratch`, then adds it to the stereo mix.
    // real time
    @_noAllocation @_noLocks
    mutating func render(scratch: UnsafeMutablePointer<Float>, left: UnsafeMutablePointer<Float>,
                         right: UnsafeMutablePointer<Float>, count: Int, sampleRate: Float) {
        scratch.update(repeating: 0, count: count)
        // The value at the chunk's start, then advance: where an event splits a block must not
        // change any sample before the event.
        let bright = brightness.value
        _ = brightness.advance(count)
        var sounding = false
        if case .synth = kind {
            for i in 0..<voiceCount where voices[i].amp.isActive {
                sounding = true
                if !voices[i].render(into: scratch, count: count, settings: settings, brightness: bright, sampleRate: sampleRate) {
                    resets += 1
                }
            }
        } else {
            for i in 0..<Track.drumCount where drums[i].isActive {
                sounding = true
                if !drums[i].render(into: scratch, count: count, gain: 1, sampleRate: sampleRate) { resets += 1 }
            }
        }
        if !sounding && abs(gain.value - gain.target) < 1e-4 && abs(mute.value - mute.target) < 1e-4 { return }
        for i in 0..<count {
            let g = gain.next() * mute.next()
            let p = pan.next()
            // Equal-power-ish pan law by a parabola: -3 dB in the centre.
            let x = (p + 1) * 0.5
            let l = 1 - x * x
            let r = 1 - (1 - x) * (1 - x)
            let s = scratch[i] * g
            left[i] += s * l
            right[i] += s * r
        }
    }
}
