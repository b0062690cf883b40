import DSP

/// The sound of a subtractive synth part, as a patch sets it.
public struct SynthSettings: Sendable, Equatable {
    public var wave: Waveform = .saw
    public var wave2: Waveform = .saw
    /// Second oscillator detune in cents; 0 turns it off.
    public var detune: Float = 7
    /// Low-pass cutoff in Hz at full brightness, before the envelope.
    public var cutoff: Float = 1800
    public var resonance: Float = 0.2
    /// Filter envelope depth in octaves.
    public var envAmount: Float = 2
    /// 0...1: how much the cutoff follows the note pitch.
    public var keyTrack: Float = 0.5
    public var attack: Float = 0.005
    public var decay: Float = 0.25
    public var sustain: Float = 0.6
    public var release: Float = 0.2
    /// Voices the part may hold at once; the oldest is stolen beyond that.
    public var polyphony: Int = 8

    public init() {}
}

/// What sounds an agent's part: a subtractive synth or the drum kit.
public enum InstrumentSpec: Sendable, Equatable {
    case subtractive(SynthSettings)
    case drumKit(tune: Float, decay: Float)
}
