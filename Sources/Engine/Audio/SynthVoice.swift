import DSP

/// One oscillator voice of a subtractive part: two band-limited oscillators (plus noise) into a
/// resonant state-variable filter, shaped by amp and filter envelopes, with glide, the agent's
/// LFO and the timbre morph applied at control rate (every `SynthVoice.step` samples).
/// A unison note is several of these, detuned. A plain struct, rendered in place.
struct SynthVoice {
    static var step: Int { @_noAllocation @_noLocks get { 32 } }
    /// Samples a stolen voice takes to fade before its new note starts (2.5 ms at 48 kHz).
    static var stealFade: Int { @_noAllocation @_noLocks get { 120 } }

    // The A waves, and the morph's B waves, which run in phase with A's and crossfade with them.
    var a1 = Oscillator(), a2 = Oscillator(phase: 0.37)
    var b1 = Oscillator(), b2 = Oscillator(phase: 0.37)
    var noise = Noise(seed: 1)
    var filter = StateVariableFilter()
    var amp = Envelope()
    var filterEnvelope = Envelope()
    var note: UInt8 = 0
    var velocity: Float = 0
    var gate = false
    /// Order of note-on, for stealing the oldest voice.
    var age: UInt32 = 0
    /// Current and target pitch in semitones (they differ while gliding).
    var pitch: Float = 60
    var targetPitch: Float = 60
    /// This unison voice's offset in cents.
    var unisonCents: Float = 0
    var level: Float = 0
    /// The control step in progress: samples left, its oscillator increments and pulse width,
    /// and the gain (envelope x velocity x steal fade) ramping by `gainStep` per sample.
    var stepLeft = 0
    var increment1: Float = 0
    var increment2: Float = 0
    var width: Float = 0.5
    var gainNow: Float = 0
    var gainStep: Float = 0
    /// Steal: samples of fade left, and the note that starts when it ends.
    var fadeRemaining = 0
    var pendingNote: UInt8 = 0
    var pendingVelocity: Float = 0
    var pendingAge: UInt32 = 0

    var isActive: Bool { @_noAllocation @_noLocks get { amp.isActive } }

    init(seed: UInt32) { noise = Noise(seed: seed) }

    // real time
    @_noAllocation @_noLocks
    mutating func start(note: UInt8, velocity: Float, age: UInt32, unisonCents: Float, unisonGain: Float,
                        settings: SynthSettings, sampleRate: Float) {
        if isActive && fadeRemaining == 0 && !(settings.glide > 0 && gate) {
            // Steal: fade what sounds, then start (see `render`).
            fadeRemaining = SynthVoice.stealFade
            stepLeft = 0
            pendingNote = note
            pendingVelocity = velocity
            pendingAge = age
            self.age = age
            self.unisonCents = unisonCents
            level = unisonGain
            gate = true
            return
        }
        if fadeRemaining > 0 {
            // Already fading for a steal: the newest note wins.
            pendingNote = note
            pendingVelocity = velocity
            pendingAge = age
            self.age = age
            return
        }
        let legato = settings.glide > 0 && gate && isActive
        begin(note: note, velocity: velocity, age: age, settings: settings, sampleRate: sampleRate, legato: legato)
        self.unisonCents = unisonCents
        level = unisonGain
    }

    // real time
    @_noAllocation @_noLocks
    mutating func begin(note: UInt8, velocity: Float, age: UInt32, settings: SynthSettings, sampleRate: Float, legato: Bool) {
        let wasSounding = isActive
        self.note = note
        self.velocity = velocity
        self.age = age
        gate = true
        targetPitch = Float(note)
        if settings.glide <= 0 || !wasSounding { pitch = targetPitch }
        configure(settings, sampleRate: sampleRate)
        // A new control step starts at the note's own sample.
        stepLeft = 0
        if legato { return }
        if !wasSounding {
            gainNow = 0
            filter.reset()
            // Every note starts its oscillators at the same phases, so renders repeat.
            a1.phase = 0; b1.phase = 0
            a2.phase = 0.37; b2.phase = 0.37
        }
        amp.gateOn()
        filterEnvelope.gateOn()
    }

    // real time
    @_noAllocation @_noLocks
    mutating func configure(_ settings: SynthSettings, sampleRate: Float) {
        // Both envelopes run at the control rate; the amp is ramped linearly across each step
        // (0.67 ms at 48 kHz), which no ear tells from per-sample and costs 1/32 of it.
        let controlRate = sampleRate / Float(SynthVoice.step)
        amp.configure(attack: settings.attack, decay: settings.decay, sustain: settings.sustain,
                      release: settings.release, sampleRate: controlRate)
        filterEnvelope.configure(attack: settings.attack * 0.5, decay: settings.decay * 1.5, sustain: 0.2,
                                 release: settings.release, sampleRate: controlRate)
    }

    // real time
    @_noAllocation @_noLocks
    mutating func stop() {
        gate = false
        amp.gateOff()
        filterEnvelope.gateOff()
    }

    /// Writes (or adds) `n` samples of `wave` into `w`, a block at a time.
    // real time
    @inline(__always) @_noAllocation @_noLocks
    static func run(_ wave: Wave, _ osc: inout Oscillator, _ inc: Float, _ width: Float, _ noise: inout Noise,
                    into w: UnsafeMutablePointer<Float>, _ n: Int, add: Bool) {
        switch wave {
        case .saw: osc.render(.saw, increment: inc, into: w, count: n, adding: add)
        case .square: osc.render(.square, increment: inc, into: w, count: n, adding: add)
        case .triangle: osc.render(.triangle, increment: inc, into: w, count: n, adding: add)
        case .sine: osc.render(.sine, increment: inc, into: w, count: n, adding: add)
        case .pulse: osc.render(.pulse, increment: inc, width: width, into: w, count: n, adding: add)
        case .noise:
            var r = noise
            if add { for j in 0..<n { w[j] += r.next() } } else { for j in 0..<n { w[j] = r.next() } }
            noise = r
            // The oscillator keeps time, so a morph to a pitched wave starts in phase.
            var p = osc.phase + inc * Float(n)
            p -= floorFast(p)
            osc.phase = p
        }
    }

    /// Adds `count` samples into `out`. `lfo` holds the agent's LFO (-1...1) per control step from
    /// the chunk start; `morph` the B-wave mix at the chunk start, gliding per sample to
    /// `morphTarget` by `morphCoefficient` (the track's smoother, sample for sample).
    /// Returns false if the filter blew up (the voice is reset).
    ///
    /// Control steps run on the voice's own grid (from its note-on), carried across calls, so how
    /// the renderer splits a block at events never changes a sample before the event.
    // real time
    @_noAllocation @_noLocks
    mutating func render(into out: UnsafeMutablePointer<Float>, count: Int, settings: SynthSettings, b: SynthSettings,
                         morph: Float, morphTarget: Float, morphCoefficient: Float, lfo: UnsafePointer<Float>,
                         work: UnsafeMutablePointer<Float>, brightness: Float, sampleRate: Float) -> Bool {
        var done = 0
        var m = morph
        while done < count {
            var n = count - done
            let fading = fadeRemaining > 0
            if fading { n = min(n, fadeRemaining) }
            renderRun(into: out + done, count: n, settings: settings, b: b, morph: &m, morphTarget: morphTarget,
                      morphCoefficient: morphCoefficient, lfo: lfo, lfoOffset: done, work: work,
                      brightness: brightness, sampleRate: sampleRate)
            done += n
            // `renderRun` counts the fade down as it plays it.
            if fading {
                if fadeRemaining == 0 {
                    amp.kill()
                    filterEnvelope.kill()
                    gainNow = 0
                    begin(note: pendingNote, velocity: pendingVelocity, age: pendingAge, settings: settings,
                          sampleRate: sampleRate, legato: false)
                }
            }
        }
        if filter.isBroken || !pitch.isFinite || !gainNow.isFinite {
            filter.reset()
            pitch = targetPitch
            amp.kill()
            gainNow = 0
            fadeRemaining = 0
            return false
        }
        return true
    }

    /// Starts a control step: glide, LFO, pitch, pulse width, cutoff, and the gain ramp (to the
    /// amp envelope's next value, or to silence over a steal's fade).
    // real time
    @_noAllocation @_noLocks
    mutating func beginStep(settings: SynthSettings, modulation: Float, brightness: Float, sampleRate: Float) {
        let glideCoefficient = settings.glide > 0
            ? Envelope.coefficient(seconds: settings.glide, sampleRate: sampleRate / Float(SynthVoice.step)) : 0
        pitch = targetPitch + (pitch - targetPitch) * glideCoefficient
        let cents = unisonCents + settings.lfoPitch * modulation
        increment1 = noteFrequency(pitch + cents / 100) / sampleRate
        increment2 = settings.detune != 0 ? increment1 * fastExp2(settings.detune / 1200) : 0
        width = min(max(settings.width + settings.lfoWidth * modulation, 0.05), 0.95)
        let baseCutoff = settings.cutoff * (0.15 + 0.85 * brightness) * fastExp2(settings.keyTrack * (Float(note) - 60) / 12)
        let envelope = filterEnvelope.next()
        filter.set(cutoff: baseCutoff * fastExp2(settings.envAmount * envelope + settings.lfoCutoff * modulation),
                   resonance: settings.resonance, sampleRate: sampleRate)
        if fadeRemaining > 0 {
            stepLeft = min(SynthVoice.step, fadeRemaining)
            gainStep = -gainNow / Float(fadeRemaining)
        } else {
            stepLeft = SynthVoice.step
            let gain = velocity * level * (settings.detune == 0 ? 0.5 : 0.32)
            var target = amp.next() * gain
            // A released note 60 dB down is inaudible under the band: ramp it out over this step
            // and free the voice (the envelope would take another third of its release to 80 dB).
            if !gate && amp.level < 0.001 {
                target = 0
                amp.kill()
            }
            gainStep = (target - gainNow) / Float(SynthVoice.step)
        }
    }

    /// The oscillator waveform of a wave the fused kernel reads from tables, or nil.
    // real time
    @_noAllocation @_noLocks
    static func tableWave(_ w: Wave) -> Waveform? {
        switch w {
        case .saw: .saw
        case .square: .square
        case .triangle: .triangle
        case .pulse, .sine, .noise: nil
        }
    }

    // real time
    @_noAllocation @_noLocks
    mutating func renderRun(into out: UnsafeMutablePointer<Float>, count: Int, settings: SynthSettings, b: SynthSettings,
                            morph m: inout Float, morphTarget: Float, morphCoefficient: Float,
                            lfo: UnsafePointer<Float>, lfoOffset: Int,
                            work: UnsafeMutablePointer<Float>, brightness: Float, sampleRate: Float) {
        let twoOscillators = settings.detune != 0
        let morphing = m > 0 || morphTarget > 0
        let waveA1 = settings.wave, waveA2 = settings.wave2, waveB1 = b.wave, waveB2 = b.wave2
        let noiseLevel = settings.noise
        let table1 = SynthVoice.tableWave(waveA1), table2 = SynthVoice.tableWave(waveA2)
        let fused = table1 != nil && (!twoOscillators || table2 != nil)
        var i = 0
        while i < count {
            if stepLeft == 0 {
                beginStep(settings: settings, modulation: lfo[(lfoOffset + i) / SynthVoice.step], brightness: brightness,
                          sampleRate: sampleRate)
            }
            let chunk = min(stepLeft, count - i)
            let inc1 = increment1, inc2 = increment2, width = self.width
            // The common voice (table waves into the low-pass, no morph or noise) in one fused loop.
            if !morphing && noiseLevel == 0 && fused, let w1 = table1 {
                if case .lowPass = settings.filterMode {
                    VoiceKernel.render(&a1, w1, increment: inc1, &a2, table2 ?? w1, increment: inc2,
                                       twoOscillators: twoOscillators, filter: &filter, gain: &gainNow, gainStep: gainStep,
                                       into: out + i, count: chunk)
                    b1.phase = a1.phase
                    b2.phase = a2.phase
                    stepLeft -= chunk
                    if fadeRemaining > 0 { fadeRemaining = max(0, fadeRemaining - chunk) }
                    i += chunk
                    continue
                }
            }
            // Oscillators into the work buffer (A in `work`, B after it), then one loop of filter
            // and gain.
            let w = work, wb = work + SynthVoice.step
            SynthVoice.run(waveA1, &a1, inc1, width, &noise, into: w, chunk, add: false)
            if twoOscillators { SynthVoice.run(waveA2, &a2, inc2, width, &noise, into: w, chunk, add: true) }
            if morphing {
                SynthVoice.run(waveB1, &b1, inc1, width, &noise, into: wb, chunk, add: false)
                if twoOscillators { SynthVoice.run(waveB2, &b2, inc2, width, &noise, into: wb, chunk, add: true) }
                var mm = m
                for j in 0..<chunk {
                    w[j] += (wb[j] - w[j]) * mm
                    mm = morphTarget + (mm - morphTarget) * morphCoefficient
                }
                m = mm
            } else {
                b1.phase = a1.phase
                b2.phase = a2.phase
            }
            if noiseLevel > 0 { for j in 0..<chunk { w[j] += noise.next() * noiseLevel } }
            let o = out + i
            var f = filter
            var g = gainNow
            let dg = gainStep
            switch settings.filterMode {
            case .lowPass:
                for j in 0..<chunk {
                    o[j] += f.process(w[j], mode: .lowPass) * g
                    g += dg
                }
            case .bandPass:
                for j in 0..<chunk {
                    o[j] += f.process(w[j], mode: .bandPass) * g
                    g += dg
                }
            case .highPass:
                for j in 0..<chunk {
                    o[j] += f.process(w[j], mode: .highPass) * g
                    g += dg
                }
            }
            filter = f
            gainNow = g
            stepLeft -= chunk
            if fadeRemaining > 0 { fadeRemaining = max(0, fadeRemaining - chunk) }
            i += chunk
        }
    }
}
