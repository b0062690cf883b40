/// A sample-stamped instruction for the audio thread. Trivially copyable, so it can cross the
/// SPSC queue from the conductor without allocation.
public struct AudioEvent: BitwiseCopyable, Sendable {
    public enum Kind: UInt8, Sendable, BitwiseCopyable {
        case noteOn, noteOff, trackGain, trackPan, trackMute, brightness, masterGain, allNotesOff
        /// Per track: send levels and the timbre morph position, 0...1.
        case trackReverb, trackDelay, trackMorph
        /// The band tempo in BPM now in force (the delay follows it).
        case tempo
        /// Bus settings: reverb size/damping 0...1, delay feedback, delay time in beats,
        /// compressor threshold (dBFS) and ratio.
        case reverbSize, reverbDamping, delayFeedback, delayBeats, compressorThreshold, compressorRatio
        /// A live instrument setting: `note` is the `SoundParameter.code`, `value` the new value.
        case sound
    }

    /// Absolute frame on the audio clock at which the event takes effect.
    public var frame: Int64
    public var kind: Kind
    public var track: UInt8
    public var note: UInt8
    /// Velocity 0...1 for notes, the new value for parameters.
    public var value: Float

    public init(frame: Int64, kind: Kind, track: UInt8 = 0, note: UInt8 = 0, value: Float = 0) {
        self.frame = frame
        self.kind = kind
        self.track = track
        self.note = note
        self.value = value
    }
}
