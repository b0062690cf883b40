/// A point on the valence/arousal plane (Russell's circumplex), each axis -1...1.
///
/// Why a plane and not a list: a TouchOSC XY pad moves continuously, and every musical choice
/// (mode, brightness, velocity, register, busyness) is a function of the two coordinates.
/// Named moods are just well-known points.
public struct Mood: Hashable, Sendable, CustomStringConvertible {
    public var valence: Double
    public var arousal: Double
    /// The name it was set by, if any; an XY position gets the nearest name.
    public var name: String

    public init(valence: Double, arousal: Double, name: String? = nil) {
        self.valence = min(1, max(-1, valence))
        self.arousal = min(1, max(-1, arousal))
        self.name = name ?? Mood.nearestName(valence: self.valence, arousal: self.arousal)
    }

    public static let named: [(name: String, valence: Double, arousal: Double)] = [
        ("calm", 0.4, -0.7),
        ("dreamy", 0.3, -0.4),
        ("melancholy", -0.5, -0.5),
        ("dark", -0.8, 0.1),
        ("tense", -0.5, 0.7),
        ("driving", 0.1, 0.8),
        ("euphoric", 0.9, 0.8),
        ("playful", 0.7, 0.3),
    ]

    public static var names: [String] { named.map(\.name) }

    public init?(named name: String) {
        guard let m = Mood.named.first(where: { $0.name == name.lowercased() }) else { return nil }
        self.init(valence: m.valence, arousal: m.arousal, name: m.name)
    }

    static func nearestName(valence: Double, arousal: Double) -> String {
        Mood.named.min { a, b in
            let da = (a.valence - valence) * (a.valence - valence) + (a.arousal - arousal) * (a.arousal - arousal)
            let db = (b.valence - valence) * (b.valence - valence) + (b.arousal - arousal) * (b.arousal - arousal)
            return da < db
        }!.name
    }

    /// Mode by valence: the darker the mood, the flatter the scale.
    public var mode: Mode {
        switch valence {
        case ..<(-0.65): .phrygian
        case ..<(-0.2): .aeolian
        case ..<0.15: .dorian
        case ..<0.45: .mixolydian
        case ..<0.8: .ionian
        default: .lydian
        }
    }

    /// Timbral brightness 0...1: filters open with valence and arousal.
    public var brightness: Double { min(1, max(0, 0.5 + 0.3 * valence + 0.25 * arousal)) }

    /// Loudness of playing, 0...1.
    public var energy: Double { min(1, max(0, 0.55 + 0.4 * arousal)) }

    public var description: String { name }
}
