import Realtime
import Music
import Synchronization

/// How one agent is steered live.
public struct AgentSteering: Sendable, Equatable {
    public var name: String
    public var mute = false
    public var solo = false
    /// Linear gain, 0...2.
    public var gain: Double
    /// -1 (left) ... 1 (right).
    public var pan: Double
    /// The agent's own density, or nil to follow the band.
    public var density: Double?
    /// Send levels to the reverb and delay buses, 0...1 (post-fader, so mute silences them).
    public var reverb = 0.0
    public var delay = 0.0
    /// Timbre morph from the instrument's A settings (0) to its B settings (1).
    public var morph = 0.0
    /// The agent's instrument type (`subtractive`, `fm`, `drumkit`, `soundfont`), which decides
    /// its live sound parameters.
    public var instrument = "subtractive"
    /// Live overrides of instrument settings, by `SoundParameter.code`.
    public var sound: [UInt8: Double] = [:]

    public init(name: String, gain: Double, pan: Double, density: Double? = nil) {
        self.name = name
        self.gain = gain
        self.pan = pan
        self.density = density
    }
}

/// Everything a show steers. Control threads write it; the conductor reads it at musical
/// boundaries (tempo at the next beat, mood, key and density at the next bar).
public struct Steering: Sendable, Equatable {
    public var tempo: Double
    public var density: Double
    public var mood: Mood
    public var tonic: PitchClass
    /// A mode set with the key ("D dorian"); nil lets the mood choose the mode.
    public var modeOverride: Mode?
    /// Linear master gain, 0...2.
    public var masterGain: Double
    public var playing = true
    /// Seconds a mood change glides over (0: the next bar plays the new mood).
    public var moodGlide: Double = 0
    /// Beats a tempo change ramps over (0: the next beat plays the new tempo). Set with the tempo.
    public var tempoRampBeats = 0
    /// The band's tempo follows the live player's tempo.
    public var followPlayer = false
    /// Beats of silence (no key held) that end the player's phrase, so the lead answers.
    public var playerPause = 2.0
    /// Moods the patch adds to the named ones.
    public var patchMoods: [Mood] = []

    /// A mood by name: the patch's own first, then the built-in ones.
    public func mood(named name: String) -> Mood? {
        patchMoods.first { $0.name == name.lowercased() } ?? Mood(named: name)
    }

    /// Every mood name a controller may send.
    public var moodNames: [String] { Mood.names + patchMoods.map(\.name) }
    /// Bumped by every panic; the conductor silences everything when it changes.
    public var panicCount = 0
    public var agents: [AgentSteering]
    /// Bounds an installation sets (config volume limit, schedule window): controllers move the
    /// music inside them.
    public var limits = Limits()
    /// The send effects and the master compressor, as steered live.
    public var effects = EffectSteering()

    /// Settings of the shared buses a show can move live (the rest stay as the patch set them).
    public struct EffectSteering: Sendable, Equatable {
        /// Reverb room size and high damping, 0...1.
        public var reverbSize = 0.6
        public var reverbDamping = 0.4
        /// Delay feedback 0...0.95 and time in beats (0.75 is a dotted eighth).
        public var delayFeedback = 0.35
        public var delayBeats = 0.75
        /// Glue compressor threshold (dBFS) and ratio.
        public var compressorThreshold = -14.0
        public var compressorRatio = 2.0

        public init() {}

        public static let reverbRange = 0.0...1.0
        public static let feedbackRange = 0.0...0.95
        public static let beatsRange = 0.0625...4.0
        public static let thresholdRange = -40.0...0.0
        public static let ratioRange = 1.0...10.0
    }

    public struct Limits: Sendable, Equatable {
        public var density: ClosedRange<Double> = 0...1
        public var tempo: ClosedRange<Double> = Steering.tempoRange
        /// Master gain cap, linear; 0 is silence.
        public var volume: Double = 2

        public init() {}
    }

    /// The master gain actually sent to the audio: the controller's, under the cap.
    public var effectiveMasterGain: Double { min(masterGain, limits.volume) }

    public init(tempo: Double, density: Double, mood: Mood, tonic: PitchClass, modeOverride: Mode?,
                masterGain: Double, agents: [AgentSteering], moodGlide: Double = 0, patchMoods: [Mood] = []) {
        self.tempo = tempo
        self.density = density
        self.mood = mood
        self.tonic = tonic
        self.modeOverride = modeOverride
        self.masterGain = masterGain
        self.agents = agents
        self.moodGlide = moodGlide
        self.patchMoods = patchMoods
    }

    /// The key the band plays in now.
    public var key: Key { Key(tonic: tonic, mode: modeOverride ?? mood.mode) }

    /// Allowed ranges, shared by validation (Control) and patches.
    public static let tempoRange = 20.0...300.0
    public static let gainRange = 0.0...2.0
}

/// The live parameter store: one lock around a small value, read and written only by control
/// threads (never by the audio thread).
public final class ParameterStore: Sendable {
    private let steering: Guarded<Steering>

    public init(_ initial: Steering) { steering = Guarded(initial) }

    public func read() -> Steering { steering.withLock { $0 } }

    /// Applies `change` atomically: all of it or, if it throws, none of it.
    public func update<E: Error>(_ change: (inout Steering) throws(E) -> Void) throws(E) {
        try steering.withLock { (s: inout Steering) throws(E) in
            var copy = s
            try change(&copy)
            s = copy
        }
    }
}
