/// The pieces of a synthesized kit.
public enum DrumSound: UInt8, Sendable, CaseIterable {
    case kick, snare, clap, closedHat, openHat, lowTom, midTom, highTom
    /// A cowbell-like metallic hit: two detuned band-limited squares (587 and 845 Hz, the
    /// classic drum-machine pair) through a band-pass, with a short noise tick on top like a rim.
    case percussion
}

/// One synthesized drum hit: a pitched body (sine with a falling pitch envelope, or for the
/// percussion voice two squares through a band-pass) plus filtered noise, each with its own
/// exponential decay. Every sound of the kit is a setting of it.
///
/// Per voice: `tune` in semitones, `decay` as a multiplier of the stock decay times and `tone`
/// 0...1 (0.5 = stock): brightness and the noise/body balance, as fits each sound (see `trigger`).
public struct DrumVoice: Sendable {
    public var sound: DrumSound
    @usableFromInline var body = Oscillator()
    @usableFromInline var body2 = Oscillator(phase: 0.31)
    @usableFromInline var bodyFilter = StateVariableFilter()
    @usableFromInline var pitch2: Float = 0
    @usableFromInline var noise: Noise
    @usableFromInline var filter = StateVariableFilter()
    @usableFromInline var bodyLevel: Float = 0
    @usableFromInline var noiseLevel: Float = 0
    @usableFromInline var bodyDecay: Float = 0
    @usableFromInline var noiseDecay: Float = 0
    @usableFromInline var pitch: Float = 0
    @usableFromInline var pitchTarget: Float = 0
    @usableFromInline var pitchGlide: Float = 0
    @usableFromInline var filterMode: FilterMode = .bandPass
    /// Samples since the hit, for the clap's burst pattern.
    @usableFromInline var age: Int32 = 0
    /// Tuning in semitones from the patch (0 = stock).
    public var tune: Float = 0
    /// Decay multiplier from the patch (1 = stock).
    public var decay: Float = 1
    /// Brightness and noise balance 0...1 from the patch (0.5 = stock).
    public var tone: Float = 0.5

    @inlinable public init(sound: DrumSound, seed: UInt32) {
        self.sound = sound
        noise = Noise(seed: seed)
    }

    @inlinable public var isActive: Bool {
        @_noAllocation @_noLocks get { bodyLevel > 1e-4 || noiseLevel > 1e-4 }
    }

    /// Starts a hit at `velocity` (0...1). Real-time safe.
    ///
    /// What `tone` does: kick, click level and its low-pass; snare, noise against body and the
    /// noise high-pass; clap, the band-pass centre; hats, the high-pass; toms, the stick noise;
    /// percussion, the band-pass centre. Each cutoff moves by up to an octave either way.
    @inlinable @_noAllocation @_noLocks public mutating func trigger(velocity: Float, sampleRate: Float) {
        let v = min(max(velocity.isFinite ? velocity : 0, 0), 1)
        age = 0
        body.phase = 0
        filter.reset()
        let d = max(decay.isFinite ? decay : 1, 0.01)
        let t = fastExp2(min(max(tune.isFinite ? tune : 0, -48), 48) / 12)
        let tone = min(max(self.tone.isFinite ? self.tone : 0.5, 0), 1)
        let bright = fastExp2((tone - 0.5) * 2)   // 0.5...2: an octave either way
        pitch2 = 0
        switch sound {
        case .kick:
            bodyLevel = v
            noiseLevel = v * 0.5 * tone
            pitch = 160 * t
            pitchTarget = 48 * t
            pitchGlide = Envelope.coefficient(seconds: 0.12, sampleRate: sampleRate)
            bodyDecay = Envelope.coefficient(seconds: 0.45 * d, sampleRate: sampleRate)
            noiseDecay = Envelope.coefficient(seconds: 0.012, sampleRate: sampleRate)
            filterMode = .lowPass
            filter.set(cutoff: 3000 * bright, resonance: 0, sampleRate: sampleRate)
        case .snare:
            bodyLevel = v * 0.55 * (1.5 - tone)
            noiseLevel = v * 0.6 * (0.5 + tone)
            pitch = 260 * t
            pitchTarget = 185 * t
            pitchGlide = Envelope.coefficient(seconds: 0.05, sampleRate: sampleRate)
            bodyDecay = Envelope.coefficient(seconds: 0.12 * d, sampleRate: sampleRate)
            noiseDecay = Envelope.coefficient(seconds: 0.22 * d, sampleRate: sampleRate)
            filterMode = .highPass
            filter.set(cutoff: 1400 * t * bright, resonance: 0.1, sampleRate: sampleRate)
        case .clap:
            bodyLevel = 0
            noiseLevel = v * 0.7
            bodyDecay = 0
            noiseDecay = Envelope.coefficient(seconds: 0.25 * d, sampleRate: sampleRate)
            filterMode = .bandPass
            filter.set(cutoff: 1200 * t * bright, resonance: 0.35, sampleRate: sampleRate)
        case .closedHat, .openHat:
            bodyLevel = 0
            noiseLevel = v * 0.5
            bodyDecay = 0
            let open: Bool
            if case .openHat = sound { open = true } else { open = false }
            noiseDecay = Envelope.coefficient(seconds: (open ? 0.45 : 0.06) * d, sampleRate: sampleRate)
            filterMode = .highPass
            filter.set(cutoff: 7000 * t * fastExp2((tone - 0.5) * 1.4), resonance: 0.2, sampleRate: sampleRate)
        case .lowTom, .midTom, .highTom:
            let hz: Float, seconds: Float
            switch sound {
            case .lowTom: hz = 92; seconds = 0.55
            case .midTom: hz = 128; seconds = 0.45
            default: hz = 175; seconds = 0.38
            }
            bodyLevel = v * 0.8
            noiseLevel = v * 0.3 * tone
            pitch = hz * 1.5 * t
            pitchTarget = hz * t
            pitchGlide = Envelope.coefficient(seconds: 0.09, sampleRate: sampleRate)
            bodyDecay = Envelope.coefficient(seconds: seconds * d, sampleRate: sampleRate)
            noiseDecay = Envelope.coefficient(seconds: 0.05 * d, sampleRate: sampleRate)
            filterMode = .bandPass
            filter.set(cutoff: hz * 8 * t * bright, resonance: 0.2, sampleRate: sampleRate)
        case .percussion:
            body2.phase = 0.31
            bodyFilter.reset()
            bodyLevel = v * 0.7
            noiseLevel = v * 0.35
            pitch = 587 * t
            pitchTarget = pitch
            pitch2 = 845 * t
            pitchGlide = 0
            bodyDecay = Envelope.coefficient(seconds: 0.35 * d, sampleRate: sampleRate)
            noiseDecay = Envelope.coefficient(seconds: 0.006, sampleRate: sampleRate)
            filterMode = .bandPass
            filter.set(cutoff: 4000 * t * bright, resonance: 0.3, sampleRate: sampleRate)
            bodyFilter.set(cutoff: 2200 * t * bright, resonance: 0.55, sampleRate: sampleRate)
        }
    }

    /// Silences the voice within a few samples (the closed hat choking the open one).
    @inlinable @_noAllocation @_noLocks public mutating func choke(sampleRate: Float) {
        noiseDecay = Envelope.coefficient(seconds: 0.008, sampleRate: sampleRate)
        bodyDecay = noiseDecay
    }

    /// Adds `count` samples into `out`. Returns false if the state blew up (caller resets).
    @inlinable @_noAllocation @_noLocks public mutating func render(into out: UnsafeMutablePointer<Float>, count: Int, gain: Float, sampleRate: Float) -> Bool {
        if !isActive { return true }
        var bodyLevel = self.bodyLevel
        var noiseLevel = self.noiseLevel
        var pitch = self.pitch
        var age = self.age
        let inverseRate = 1 / sampleRate
        let clapBursts = max(Int32(sampleRate * 0.011), 3)
        let clapEnd: Int32
        if case .clap = sound { clapEnd = clapBursts * 3 } else { clapEnd = 0 }
        for i in 0..<count {
            var sample: Float = 0
            if bodyLevel > 1e-5 {
                if pitch2 > 0 {
                    // Percussion: two squares, band-passed, for a metallic clank.
                    let clank = body.next(.square, increment: pitch * inverseRate)
                        + body2.next(.square, increment: pitch2 * inverseRate)
                    sample += bodyFilter.process(clank, mode: .bandPass) * bodyLevel
                } else {
                    sample += body.next(.sine, increment: pitch * inverseRate) * bodyLevel
                    pitch = pitchTarget + (pitch - pitchTarget) * pitchGlide
                }
                bodyLevel *= bodyDecay
            }
            // Each part stops costing anything once it is 100 dB down (a kick is mostly body).
            if noiseLevel > 1e-5 {
                var n = noise.next() * noiseLevel
                if age < clapEnd {
                    // Three quick bursts before the tail: the sound of several hands.
                    n *= (age % clapBursts) < clapBursts / 3 ? 1.4 : 0.25
                }
                sample += filter.process(n, mode: filterMode)
                noiseLevel *= noiseDecay
            }
            age &+= 1
            out[i] += sample * gain
        }
        self.bodyLevel = bodyLevel
        self.noiseLevel = noiseLevel
        self.pitch = pitch
        self.age = age
        if filter.isBroken || bodyFilter.isBroken || !pitch.isFinite || !(bodyLevel + noiseLevel).isFinite {
            self.bodyLevel = 0
            self.noiseLevel = 0
            filter.reset()
            bodyFilter.reset()
            return false
        }
        return true
    }
}
