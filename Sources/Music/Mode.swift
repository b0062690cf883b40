/// The seven diatonic modes. Moods choose among them: valence runs from phrygian (darkest)
/// to lydian (brightest).
public enum Mode: String, CaseIterable, Sendable {
    case lydian, ionian, mixolydian, dorian, aeolian, phrygian

    /// Semitone offsets of the seven degrees from the tonic.
    public var intervals: [Int] {
        switch self {
        case .lydian: [0, 2, 4, 6, 7, 9, 11]
        case .ionian: [0, 2, 4, 5, 7, 9, 11]
        case .mixolydian: [0, 2, 4, 5, 7, 9, 10]
        case .dorian: [0, 2, 3, 5, 7, 9, 10]
        case .aeolian: [0, 2, 3, 5, 7, 8, 10]
        case .phrygian: [0, 1, 3, 5, 7, 8, 10]
        }
    }

    /// Accepts "major"/"minor" as the usual names of ionian/aeolian.
    public init?(name: String) {
        switch name.lowercased() {
        case "major": self = .ionian
        case "minor": self = .aeolian
        default:
            guard let m = Mode(rawValue: name.lowercased()) else { return nil }
            self = m
        }
    }
}
