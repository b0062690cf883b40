/// The shape of a set over time, as the band leader plans it: 32-bar cycles of sections, each
/// a number of 4-bar phrases. A groove, a lift where everyone plays a bit more, a breakdown
/// where the drums and bass drop out and the rest thins, and a build that climbs back with a
/// fill at every bar's end. Only a busy band (density ≥ 0.5) breaks down and builds: a calm one
/// just breathes between groove and lift.
public enum Section: String, Sendable {
    case groove, lift, breakdown, build
}

public struct Form: Sendable {
    /// Bars in one cycle of sections.
    public static let cycle = 32

    public init() {}

    /// The section bar `index` falls in, for a band at `density`.
    public func section(bar index: Int, density: Double) -> Section {
        let bar = index % Form.cycle
        switch bar {
        case ..<16: return .groove
        case ..<24: return .lift
        case ..<28: return density >= 0.5 ? .breakdown : .groove
        default: return density >= 0.5 ? .build : .lift
        }
    }

    /// The density a part plays at in a section (`along`: 0...1 through the section), and
    /// whether it plays at all: the rhythm section lays out in a breakdown.
    public func density(_ density: Double, role: Role, section: Section, along: Double) -> Double {
        switch section {
        case .groove: return density
        case .lift: return min(1, density + 0.12)
        case .breakdown:
            return role == .drums || role == .bass ? 0 : density * 0.55
        case .build:
            // Back in from the breakdown's level, past the groove's by the end.
            return min(1, density * (0.6 + 0.5 * along))
        }
    }
}
