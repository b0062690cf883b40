/// How the four operators of an FM voice feed one another. Operators are numbered 1...4; a
/// carrier is heard, a modulator bends the phase of the operator it feeds.
public enum FMAlgorithm: UInt8, CaseIterable, Sendable {
    /// "two-op": 2 → 1. Operators 3 and 4 are silent; feedback sits on 2.
    case twoOp
    /// "stack": 4 → 3 → 2 → 1, one carrier; the brightest, for brass-like and growling basses.
    case stack
    /// "two-stacks": (2 → 1) + (4 → 3), two carriers; the classic electric piano layout.
    case twoStacks
    /// "three-to-one": 2, 3 and 4 each modulate 1, one carrier; rich organ-like spectra.
    case threeToOne
    /// "branch": 4 → 3, then 3 and 2 both modulate 1, one carrier. A stack with a second,
    /// independent modulator on the carrier: bells with a separately decaying clang.
    case branch
    /// "parallel": all four are carriers (additive), no modulation except feedback on 4.
    case parallel

    @inlinable public init?(name: String) {
        switch name {
        case "two-op": self = .twoOp
        case "stack": self = .stack
        case "two-stacks": self = .twoStacks
        case "three-to-one": self = .threeToOne
        case "branch": self = .branch
        case "parallel": self = .parallel
        default: return nil
        }
    }

    public var name: String {
        switch self {
        case .twoOp: "two-op"
        case .stack: "stack"
        case .twoStacks: "two-stacks"
        case .threeToOne: "three-to-one"
        case .branch: "branch"
        case .parallel: "parallel"
        }
    }
}

/// The sound of an FM part, as a patch sets it. Arrays are per operator, index 0 = operator 1.
public struct FMSettings: Sendable, Equatable {
    public var algorithm: FMAlgorithm
    /// Frequency of each operator as a multiple of the note's frequency.
    public var ratios: InlineArray<4, Float>
    /// Modulators: peak modulation index in radians (0...16). Carriers: output level (0...1); a
    /// carrier at level 1 and full velocity peaks at 0.5 (0.25 in "parallel").
    public var levels: InlineArray<4, Float>
    /// Per-operator envelope: attack, decay and release in seconds, sustain 0...1.
    public var attack: InlineArray<4, Float>
    public var decay: InlineArray<4, Float>
    public var sustain: InlineArray<4, Float>
    public var release: InlineArray<4, Float>
    /// Self-modulation of the top operator (4, or 2 in "two-op"), 0...1: sine towards saw/noise.
    public var feedback: Float
    /// 0...1: how much velocity scales carrier level and modulation index (brighter when harder).
    public var velocitySensitivity: Float
    /// 0...1: how much higher notes shorten decay and release (0.5 ≈ halves per two octaves).
    public var keyScaling: Float
    /// Voices the part may hold at once.
    public var polyphony: Int

    /// A warm tine electric piano.
    public init() {
        self = FMSettings(
            algorithm: .twoStacks,
            ratios: [1, 1, 1, 14], levels: [0.75, 1.6, 0.25, 1.1],
            attack: [0.002, 0.002, 0.002, 0.001], decay: [2.8, 1.4, 1.2, 0.22],
            sustain: [0.25, 0.15, 0, 0], release: [0.45, 0.4, 0.3, 0.2],
            feedback: 0.1, velocitySensitivity: 0.7, keyScaling: 0.5)
    }

    public init(algorithm: FMAlgorithm, ratios: InlineArray<4, Float>, levels: InlineArray<4, Float>,
                attack: InlineArray<4, Float>, decay: InlineArray<4, Float>, sustain: InlineArray<4, Float>,
                release: InlineArray<4, Float>, feedback: Float = 0, velocitySensitivity: Float = 0.5,
                keyScaling: Float = 0.3, polyphony: Int = 8) {
        self.algorithm = algorithm
        self.ratios = ratios
        self.levels = levels
        self.attack = attack
        self.decay = decay
        self.sustain = sustain
        self.release = release
        self.feedback = feedback
        self.velocitySensitivity = velocitySensitivity
        self.keyScaling = keyScaling
        self.polyphony = polyphony
    }

    public static let electricPiano = FMSettings()

    /// A struck bell: inharmonic ratios (3.5 and 5.19) ring on after a bright clang.
    public static let bell = FMSettings(
        algorithm: .twoStacks,
        ratios: [1, 3.5, 2, 5.19], levels: [0.6, 2.6, 0.3, 1.8],
        attack: [0.001, 0.001, 0.001, 0.001], decay: [6, 4, 3, 1.2],
        sustain: [0, 0, 0, 0], release: [3, 2.5, 2, 1],
        feedback: 0, velocitySensitivity: 0.6, keyScaling: 0.4)

    /// A punchy bass: a feedback operator (saw-like) and two harmonic modulators on one carrier,
    /// their decays giving the pluck.
    public static let bass = FMSettings(
        algorithm: .threeToOne,
        ratios: [1, 1, 2, 1], levels: [0.9, 2.2, 0.6, 0.9],
        attack: [0.001, 0.001, 0.001, 0.001], decay: [1.5, 0.35, 0.15, 0.5],
        sustain: [0.7, 0.25, 0, 0.3], release: [0.12, 0.1, 0.1, 0.1],
        feedback: 0.45, velocitySensitivity: 0.5, keyScaling: 0.2, polyphony: 4)

    public static func == (a: FMSettings, b: FMSettings) -> Bool {
        guard a.algorithm == b.algorithm, a.feedback == b.feedback, a.velocitySensitivity == b.velocitySensitivity,
              a.keyScaling == b.keyScaling, a.polyphony == b.polyphony else { return false }
        for i in 0..<4 {
            guard a.ratios[i] == b.ratios[i], a.levels[i] == b.levels[i], a.attack[i] == b.attack[i],
                  a.decay[i] == b.decay[i], a.sustain[i] == b.sustain[i], a.release[i] == b.release[i]
            else { return false }
        }
        return true
    }

    /// Routing of one algorithm as 0/1 weights, so the render loop has no branches.
    @usableFromInline struct Routing {
        /// 4→3, 3→2, 2→1, 3→1, 4→1.
        @usableFromInline var m43: Float = 0, m32: Float = 0, m21: Float = 0, m31: Float = 0, m41: Float = 0
        /// Which operators are heard.
        @usableFromInline var c1: Float = 0, c2: Float = 0, c3: Float = 0, c4: Float = 0

        @inlinable @_noAllocation @_noLocks init(_ algorithm: FMAlgorithm) {
            switch algorithm {
            case .twoOp: m21 = 1; c1 = 1
            case .stack: m43 = 1; m32 = 1; m21 = 1; c1 = 1
            case .twoStacks: m43 = 1; m21 = 1; c1 = 1; c3 = 1
            case .threeToOne: m21 = 1; m31 = 1; m41 = 1; c1 = 1
            case .branch: m43 = 1; m31 = 1; m21 = 1; c1 = 1
            case .parallel: c1 = 1; c2 = 1; c3 = 1; c4 = 1
            }
        }
    }
}
