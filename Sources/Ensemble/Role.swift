/// What an agent does in the band. A patch names one per agent.
public enum Role: String, CaseIterable, Sendable {
    case drums, bass, harmony, lead, texture

    /// The band density below which this part lays out, as an arranger would thin a band:
    /// pads and drums stay longest, texture thins out next, the lead goes first.
    var entryDensity: Double {
        switch self {
        case .harmony: 0.0
        case .drums: 0.05
        case .bass: 0.12
        case .texture: 0.25
        case .lead: 0.4
        }
    }

    /// Order in which agents decide a bar: each later one can listen to the earlier ones
    /// (the bass locks to the kick the drummer just chose; texture fills around the lead).
    var planningOrder: Int {
        switch self {
        case .drums: 0
        case .bass: 1
        case .harmony: 2
        case .lead: 3
        case .texture: 4
        }
    }
}
