/// Estimates a live player's tempo from their note onsets, for a band that follows them.
///
/// Each inter-onset interval that is close to a half, one or two beats at the band's tempo
/// gives an estimate of the player's beat period; the median of the last eight is robust to
/// the odd syncopation or a missed note. Intervals that fit no such ratio are ignored.
public struct TempoFollower: Sendable {
    private var lastOnset: Double?
    private var periods: [Double] = []

    public init() {}

    /// A new onset at `seconds`; returns the player's tempo in BPM once it is clear (four or
    /// more consistent intervals), else nil.
    public mutating func onset(atSeconds seconds: Double, tempo: Double) -> Double? {
        defer { lastOnset = seconds }
        guard let last = lastOnset else { return nil }
        let interval = seconds - last
        let beat = 60 / tempo
        guard interval > 0.08 else { return nil }   // a chord, not a new beat
        for ratio in [0.5, 1, 2] {
            let period = interval / ratio
            if abs(period / beat - 1) < 0.2 {
                periods.append(period)
                if periods.count > 8 { periods.removeFirst() }
                break
            }
        }
        guard periods.count >= 4 else { return nil }
        let sorted = periods.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2]
            : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        return 60 / median
    }
}
