/// How a mood shapes the playing beyond mode and brightness: feel, harmonic rhythm, register
/// and articulation. All are smooth functions of the valence/arousal point, so a glide across
/// the XY pad changes them gradually rather than in jumps.
extension Mood {
    /// Swing of off-beat eighths, 0 (straight) ... 0.33 (triplet feel). Playful and dreamy moods
    /// lilt; driving and tense moods stay straight.
    public var swing: Double {
        let bright = min(1, max(0, (valence - 0.2) / 0.6))
        let relaxed = min(1, max(0, 1 - (arousal - 0.3) / 0.5))
        return 0.3 * bright * relaxed
    }

    /// Chords per bar: calm moods hold a chord for two bars (0.5), aroused moods change twice a bar.
    public var harmonicRhythm: Double {
        switch arousal {
        case ..<(-0.45): 0.5
        case ..<0.6: 1
        default: 2
        }
    }

    /// Octave shift of melodic parts: bright, aroused moods sit higher, dark ones lower.
    public var registerShift: Int {
        let lift = 0.6 * valence + 0.5 * arousal
        return lift > 0.75 ? 1 : (lift < -0.7 ? -1 : 0)
    }

    /// Fraction of the written length a note sounds: legato when calm, detached when aroused.
    public var articulation: Double { min(1, max(0.45, 0.82 - 0.3 * arousal)) }

    /// The point `fraction` (0...1) of the way from `self` to `other`, for mood glides.
    public func gliding(to other: Mood, fraction: Double) -> Mood {
        let f = min(1, max(0, fraction))
        if f >= 1 { return other }
        return Mood(valence: valence + (other.valence - valence) * f,
                    arousal: arousal + (other.arousal - arousal) * f)
    }
}
