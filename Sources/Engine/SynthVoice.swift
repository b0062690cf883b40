import DSP

/// One note of a subtractive synth part: two band-limited oscillators into a resonant low-pass,
/// shaped by amp and filter envelopes. A plain struct, rendered in place on the audio thread.
struct SynthVoice {
    var osc1 = Oscillator()
    var osc2 = Oscillator(phase: 0.37)
    var filter = StateVariableFilter()
    var amp = Envelope()
    var filterEnvelope = Envelope()
    var note: UInt8 = 0
    var velocity: Float = 0
    var gate = false
    /// Order of note-on, for stealing the oldest voice.
    var age: UInt32 = 0
    var increment1: Float = 0
    var increment2: Float = 0

    var isActive: Bool { amp.isActive }

    // real time
    @_noAllocation @_noLocks
    mutating func start(note: UInt8, velocity: Float, age: UInt32, settings: SynthSettings, sampleRate: Float) {
        self.note = note
        self.velocity = velocity
        self.age = age
        gate = true
        let hz = noteFrequency(Float(note))
        increment1 = hz / sampleRate
        increment2 = settings.detune == 0 ? 0 : hz * fastExp2(settings.detune / 1200) / sampleRate
        amp.configure(attack: settings.attack, decay: settings.decay, sustain: settings.sustain,
                      release: settings.release, sampleRate: sampleRate)
        filterEnvelope.configure(attack: settings.attack * 0.5, decay: settings.decay * 1.5, sustain: 0.2,
                                 release: settings.release, sampleRate: sampleRate)
        // Keep the current level: a stolen voice glides from where it was instead of clicking.
        amp.gateOn()
        filterEnvelope.gateOn()
    }

    // real time
    @_noAllocation @_noLocks
    mutating func stop() {
        gate = false
        amp.gateOff()
        filterEnvelope.gateOff()
    }

    /// Adds `count` samples into `out`. Returns false if the filter blew up (voice is reset).
    // real time
    @_noAllocation @_noLocks
    mutating func render(into out: UnsafeMutablePointer<Float>, count: Int, settings: SynthSettings,
                         brightness: Float, sampleRate: Float) -> Bool {
        let level = velocity * (increment2 == 0 ? 0.5 : 0.32)
        let baseCutoff = settings.cutoff * (0.15 + 0.85 * brightness)
            * fastExp2(settings.keyTrack * (Float(note) - 60) / 12)
        var i = 0
        while i < count {
            // Filter coefficients at control rate (every 32 samples).
            let chunk = min(32, count - i)
            let envelope = filterEnvelope.level
            filter.set(cutoff: baseCutoff * fastExp2(settings.envAmount * envelope),
                       resonance: settings.resonance, sampleRate: sampleRate)
            for j in i..<(i + chunk) {
                var s = osc1.next(settings.wave, increment: increment1)
                if increment2 != 0 { s += osc2.next(settings.wave2, increment: increment2) }
                _ = filterEnvelope.next()
                let y = filter.process(s, mode: .lowPass)
                out[j] += y * amp.next() * level
            }
            i += chunk
        }
        if filter.isBroken {
            filter.reset()
            amp.kill()
            return false
        }
        return true
    }
}
