/// The pieces of a synthesized kit.
public enum DrumSound: UInt8, Sendable {
    case kick, snare, clap, closedHat, openHat
}

/// One synthesized drum hit: a pitched body (sine with a falling pitch envelope) plus filtered
/// noise, each with its own exponential decay. Kick, snare, clap and hats are settings of it.
public struct DrumVoice: Sendable {
    public var sound: DrumSound
    @usableFromInline var body = Oscillator()
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
    /// Tuning multiplier from the patch (1 = stock).
    public var tune: Float = 1
    /// Decay multiplier from the patch (1 = stock).
    public var decay: Float = 1

    @inlinable public init(sound: DrumSound, seed: UInt32) {
        self.sound = sound
        noise = Noise(seed: seed)
    }

    @inlinable public var isActive: Bool {
        @_noAllocation @_noLocks get { bodyLevel > 1e-4 || noiseLevel > 1e-4 }
    }

    /// Starts a hit at `velocity` (0...1). Real-time safe.
    @inlinable @_noAllocation @_noLocks public mutating func trigger(velocity: Float, sampleRate: Float) {
        let v = velocity
        age = 0
        body.phase = 0
        filter.reset()
        let d = decay
        switch sound {
        case .kick:
            bodyLevel = v
            noiseLevel = v * 0.25
            pitch = 160 * tune
            pitchTarget = 48 * tune
            pitchGlide = Envelope.coefficient(seconds: 0.12, sampleRate: sampleRate)
            bodyDecay = Envelope.coefficient(seconds: 0.45 * d, sampleRate: sampleRate)
            noiseDecay = Envelope.coefficient(seconds: 0.012, sampleRate: sampleRate)
            filterMode = .lowPass
            filter.set(cutoff: 3000, resonance: 0, sampleRate: sampleRate)
        case .snare:
            bodyLevel = v * 0.55
            noiseLevel = v * 0.6
            pitch = 260 * tune
            pitchTarget = 185 * tune
            pitchGlide = Envelope.coefficient(seconds: 0.05, sampleRate: sampleRate)
            bodyDecay = Envelope.coefficient(seconds: 0.12 * d, sampleRate: sampleRate)
            noiseDecay = Envelope.coefficient(seconds: 0.22 * d, sampleRate: sampleRate)
            filterMode = .highPass
            filter.set(cutoff: 1400 * tune, resonance: 0.1, sampleRate: sampleRate)
        case .clap:
            bodyLevel = 0
            noiseLevel = v * 0.7
            bodyDecay = 0
            noiseDecay = Envelope.coefficient(seconds: 0.25 * d, sampleRate: sampleRate)
            filterMode = .bandPass
            filter.set(cutoff: 1200 * tune, resonance: 0.35, sampleRate: sampleRate)
        case .closedHat, .openHat:
            bodyLevel = 0
            noiseLevel = v * 0.5
            bodyDecay = 0
            let open: Bool
            if case .openHat = sound { open = true } else { open = false }
            noiseDecay = Envelope.coefficient(seconds: (open ? 0.45 : 0.06) * d, sampleRate: sampleRate)
            filterMode = .highPass
            filter.set(cutoff: 7000 * tune, resonance: 0.2, sampleRate: sampleRate)
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
        let clapBursts = Int32(sampleRate * 0.011)
        for i in 0..<count {
            var sample: Float = 0
            if bodyLevel > 1e-5 {
                sample += body.next(.sine, increment: pitch * inverseRate) * bodyLevel
                pitch = pitchTarget + (pitch - pitchTarget) * pitchGlide
                bodyLevel *= bodyDecay
            }
            var n = noise.next() * noiseLevel
            if case .clap = sound, age < clapBursts * 3 {
                // Three quick bursts before the tail: the sound of several hands.
                n *= (age % clapBursts) < clapBursts / 3 ? 1.4 : 0.25
            }
            sample += filter.process(n, mode: filterMode)
            noiseLevel *= noiseDecay
            age &+= 1
            out[i] += sample * gain
        }
        self.bodyLevel = bodyLevel
        self.noiseLevel = noiseLevel
        self.pitch = pitch
        self.age = age
        if filter.isBroken || !pitch.isFinite {
            self.bodyLevel = 0
            self.noiseLevel = 0
            filter.reset()
            return false
        }
        return true
    }
}
