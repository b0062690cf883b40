/// One note of a four-operator FM (phase modulation) part: bells, electric pianos, basses.
///
/// Each operator is a fast polynomial sine with its own ADSR. Modulator levels are modulation
/// indices in radians, scaled by velocity and brightness; carriers are summed into the output.
/// The top operator can feed back on itself (averaged over two samples, which keeps high
/// feedback from turning into a squeal). A plain struct, rendered in place on the audio thread.
///
/// Each operator is modulated by its modulators' outputs of the previous sample. A one-sample
/// delay on a modulator only shifts its phase, so spectra are those of textbook FM, and it lets
/// the four sines of a sample run in parallel instead of waiting on one another (twice as fast).
/// Feedback likewise uses the outputs two and three samples back.
public struct FMVoice: Sendable {
    @usableFromInline var phases: InlineArray<4, Float> = [0, 0, 0, 0]
    @usableFromInline var increments: InlineArray<4, Float> = [0, 0, 0, 0]
    @usableFromInline var envelopes: InlineArray<4, Envelope> = [Envelope(), Envelope(), Envelope(), Envelope()]
    /// The top operator's recent outputs (one, two and three samples back), for feedback.
    @usableFromInline var feedback1: Float = 0
    @usableFromInline var feedback2: Float = 0
    @usableFromInline var feedback3: Float = 0
    /// Operators 2, 3 and 4's outputs of the previous sample: the modulation this sample.
    @usableFromInline var last2: Float = 0
    @usableFromInline var last3: Float = 0
    @usableFromInline var last4: Float = 0
    /// Velocity scaling of carrier levels and of modulation indices, fixed at note-on.
    @usableFromInline var outputGain: Float = 0
    @usableFromInline var indexGain: Float = 0
    /// Carriers of the algorithm the note started with: the voice lives while they sound.
    @usableFromInline var carriers: UInt8 = 0
    /// The note playing (for voice stealing and note-off matching).
    public var note: UInt8 = 0

    @inlinable public init() {}

    @inlinable public var isActive: Bool {
        @_noAllocation @_noLocks get {
            var i = 0
            while i < 4 {
                if carriers & (1 << UInt8(i)) != 0 && envelopes[i].isActive { return true }
                i += 1
            }
            return false
        }
    }

    /// Starts (or retriggers) a note; velocity 0...1. A retrigger keeps phases and envelope
    /// levels, so a repeated note never clicks. Real-time safe.
    @inlinable @_noAllocation @_noLocks
    public mutating func start(note: UInt8, velocity: Float, settings: FMSettings, sampleRate: Float) {
        let wasActive = isActive
        self.note = note
        let hz = noteFrequency(Float(note))
        let v = min(max(velocity.isFinite ? velocity : 0, 0), 1)
        let sensitivity = min(max(settings.velocitySensitivity, 0), 1)
        let amount = 1 - sensitivity + sensitivity * v
        outputGain = amount
        indexGain = amount
        let timeScale = fastExp2(-min(max(settings.keyScaling, 0), 1) * (Float(note) - 60) / 12)
        let routing = FMSettings.Routing(settings.algorithm)
        carriers = (routing.c1 > 0 ? 1 : 0) | (routing.c2 > 0 ? 2 : 0) | (routing.c3 > 0 ? 4 : 0) | (routing.c4 > 0 ? 8 : 0)
        if !wasActive {
            phases = [0, 0, 0, 0]
            clearHistory()
        }
        var i = 0
        while i < 4 {
            increments[i] = min(hz * settings.ratios[i] / sampleRate, 0.5)
            envelopes[i].configure(attack: settings.attack[i], decay: settings.decay[i] * timeScale,
                                   sustain: settings.sustain[i], release: settings.release[i] * timeScale,
                                   sampleRate: sampleRate)
            envelopes[i].gateOn()
            i += 1
        }
    }

    @inlinable @_noAllocation @_noLocks public mutating func stop() {
        var i = 0
        while i < 4 { envelopes[i].gateOff(); i += 1 }
    }

    @inlinable @_noAllocation @_noLocks public mutating func kill() {
        var i = 0
        while i < 4 { envelopes[i].kill(); i += 1 }
        clearHistory()
    }

    @inlinable @_noAllocation @_noLocks mutating func clearHistory() {
        feedback1 = 0
        feedback2 = 0
        feedback3 = 0
        last2 = 0
        last3 = 0
        last4 = 0
    }

    /// Adds `count` mono samples into `out`. `brightness` 0...1 scales every modulation index
    /// (0.6, the engine's resting value, plays the settings as written; 0 gives a quarter, 1 one
    /// and a half). Returns false, silent and reset, if the state went NaN/Inf.
    @inlinable @_noAllocation @_noLocks
    public mutating func render(into out: UnsafeMutablePointer<Float>, count: Int, settings: FMSettings,
                                brightness: Float, sampleRate: Float) -> Bool {
        if !isActive { return true }
        let routing = FMSettings.Routing(settings.algorithm)
        let b = min(max(brightness.isFinite ? brightness : 0.6, 0), 1)
        let indexScale = indexGain * (0.25 + 1.25 * b) * (1 / (2 * Float.pi))   // radians → cycles
        // Four parallel carriers at full level would reach 2; halve them to sit with the rest.
        var levelScale = outputGain * 0.5
        if case .parallel = settings.algorithm { levelScale *= 0.5 }
        // Level of each operator: modulators as index (in cycles), carriers as amplitude.
        var level: InlineArray<4, Float> = [0, 0, 0, 0]
        let carrierWeights: InlineArray<4, Float> = [routing.c1, routing.c2, routing.c3, routing.c4]
        var i = 0
        while i < 4 {
            let l = settings.levels[i]
            // Carrier levels are gains (clamped to 0...1); modulator levels are indices (0...16).
            level[i] = carrierWeights[i] > 0 ? min(max(l, 0), 1) * levelScale : min(max(l, 0), 16) * indexScale
            i += 1
        }
        let feedbackAmount = min(max(settings.feedback, 0), 1) * 0.25   // cycles: up to π/2 radians
        var p0 = phases[0], p1 = phases[1], p2 = phases[2], p3 = phases[3]
        let d0 = increments[0], d1 = increments[1], d2 = increments[2], d3 = increments[3]
        let l0 = level[0], l1 = level[1], l2 = level[2], l3 = level[3]
        var e0 = envelopes[0], e1 = envelopes[1], e2 = envelopes[2], e3 = envelopes[3]
        var f1 = feedback1, f2 = feedback2, f3 = feedback3
        var q2 = last2, q3 = last3, q4 = last4
        var sum: Float = 0
        if case .twoOp = settings.algorithm {
            for n in 0..<count {
                let top = fastSin(cycles: p1 + feedbackAmount * (f2 + f3)) * e1.next()
                f3 = f2; f2 = f1; f1 = top
                let y = fastSin(cycles: p0 + l1 * q2) * e0.next() * l0
                q2 = top
                out[n] += y
                sum += y
                p0 += d0; if p0 >= 1 { p0 -= 1 }
                p1 += d1; if p1 >= 1 { p1 -= 1 }
            }
        } else {
            let r = routing
            for n in 0..<count {
                let top = fastSin(cycles: p3 + feedbackAmount * (f2 + f3)) * e3.next()
                f3 = f2; f2 = f1; f1 = top
                let o4 = top * l3
                let o3 = fastSin(cycles: p2 + r.m43 * q4) * e2.next() * l2
                let o2 = fastSin(cycles: p1 + r.m32 * q3) * e1.next() * l1
                let o1 = fastSin(cycles: p0 + r.m21 * q2 + r.m31 * q3 + r.m41 * q4) * e0.next() * l0
                q2 = o2; q3 = o3; q4 = o4
                let y = r.c1 * o1 + r.c2 * o2 + r.c3 * o3 + r.c4 * o4
                out[n] += y
                sum += y
                p0 += d0; if p0 >= 1 { p0 -= 1 }
                p1 += d1; if p1 >= 1 { p1 -= 1 }
                p2 += d2; if p2 >= 1 { p2 -= 1 }
                p3 += d3; if p3 >= 1 { p3 -= 1 }
            }
        }
        phases[0] = p0; phases[1] = p1; phases[2] = p2; phases[3] = p3
        envelopes[0] = e0; envelopes[1] = e1; envelopes[2] = e2; envelopes[3] = e3
        feedback1 = f1
        feedback2 = f2
        feedback3 = f3
        last2 = q2
        last3 = q3
        last4 = q4
        if !sum.isFinite || !(p0 + p1 + p2 + p3).isFinite {
            kill()
            phases = [0, 0, 0, 0]
            return false
        }
        return true
    }
}
