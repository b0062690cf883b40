import Foundation

/// The shared send effects and the master compressor, as a patch sets them (`[reverb]`,
/// `[delay]`, `[compressor]`). Show-time changes arrive as events (`Steering.effects`).
public struct EffectSettings: Sendable, Equatable {
    /// Room size and high-frequency damping 0...1, stereo width 0...1, return level 0...2.
    public var reverbSize: Float = 0.6
    public var reverbDamping: Float = 0.4
    public var reverbWidth: Float = 1
    public var reverbReturn: Float = 1
    /// Delay time in beats of the band tempo (0.75: a dotted eighth), feedback 0...0.95, damping
    /// of each repeat's highs 0...1, ping-pong between the sides, return level 0...2.
    public var delayBeats: Float = 0.75
    public var delayFeedback: Float = 0.35
    public var delayDamping: Float = 0.3
    public var delayPingPong = true
    public var delayReturn: Float = 1
    /// Glue compressor: threshold dBFS, ratio, attack and release seconds, makeup dB.
    public var compressorThreshold: Float = -14
    public var compressorRatio: Float = 2
    public var compressorAttack: Float = 0.01
    public var compressorRelease: Float = 0.2
    public var compressorMakeup: Float = 0

    public init() {}

    /// Beats for a note value as musicians write it: "1/4" is one beat, "1/8." a dotted eighth
    /// (0.75), "1/8t" an eighth triplet (1/3). Nil if it cannot be read.
    public static func beats(division text: String) -> Double? {
        var s = Substring(text.trimmingCharacters(in: .whitespaces))
        var factor = 1.0
        if s.hasSuffix(".") { factor = 1.5; s = s.dropLast() } else if s.hasSuffix("t") { factor = 2.0 / 3; s = s.dropLast() }
        let parts = s.split(separator: "/")
        guard parts.count == 2, let n = Double(parts[0]), let d = Double(parts[1]), n > 0, d > 0 else { return nil }
        let beats = 4 * n / d * factor
        return beats >= 1.0 / 16 && beats <= 4 ? beats : nil
    }
}
