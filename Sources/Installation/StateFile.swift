import Control
import Engine
import Foundation
import Music

/// What an installation must come back to after a crash or a power cut: the patch, the
/// steering state (tempo, density, mood, key, mutes, gains), the cue position and the seed.
public struct SavedState: Codable, Equatable, Sendable {
    public struct Agent: Codable, Equatable, Sendable {
        public var name: String
        public var mute: Bool
        public var solo: Bool
        public var gain: Double
        public var pan: Double
        public var density: Double?
        /// Sends, morph and live sound settings (by parameter name). Optional, so state files
        /// written before they existed still load.
        public var reverb: Double?
        public var delay: Double?
        public var morph: Double?
        public var sound: [String: Double]?
    }

    /// The shared buses and the ensemble's settings; optional for older state files.
    public struct Sound: Codable, Equatable, Sendable {
        public var reverbSize: Double
        public var reverbDamping: Double
        public var delayFeedback: Double
        public var delayBeats: Double
        public var compressorThreshold: Double
        public var compressorRatio: Double
        public var moodGlide: Double
        public var followPlayer: Bool
        public var playerPause: Double
    }

    public var patch: String
    public var seed: UInt64
    public var tempo: Double
    public var density: Double
    public var mood: String
    public var valence: Double
    public var arousal: Double
    public var tonic: Int
    public var mode: String?
    public var masterGain: Double
    public var playing: Bool
    public var agents: [Agent]
    public var sound: Sound?
    public var cueFile: String?
    public var cueIndex: Int?
    /// How many times Polyphon has started with this state file.
    public var restarts: Int?
    public var savedAt: Date

    public init(patch: String, seed: UInt64, steering s: Steering, cue: (file: String, index: Int)?) {
        self.patch = patch
        self.seed = seed
        tempo = s.tempo
        density = s.density
        mood = s.mood.name
        valence = s.mood.valence
        arousal = s.mood.arousal
        tonic = s.tonic.value
        mode = s.modeOverride?.rawValue
        masterGain = s.masterGain
        playing = s.playing
        agents = s.agents.map { a in
            let names = SoundParameter.of(family: a.instrument)
            let live = Dictionary(uniqueKeysWithValues: names.compactMap { p in a.sound[p.code].map { (p.name, $0) } })
            return Agent(name: a.name, mute: a.mute, solo: a.solo, gain: a.gain, pan: a.pan, density: a.density,
                         reverb: a.reverb, delay: a.delay, morph: a.morph, sound: live.isEmpty ? nil : live)
        }
        sound = Sound(reverbSize: s.effects.reverbSize, reverbDamping: s.effects.reverbDamping,
                      delayFeedback: s.effects.delayFeedback, delayBeats: s.effects.delayBeats,
                      compressorThreshold: s.effects.compressorThreshold, compressorRatio: s.effects.compressorRatio,
                      moodGlide: s.moodGlide, followPlayer: s.followPlayer, playerPause: s.playerPause)
        cueFile = cue?.file
        cueIndex = cue?.index
        savedAt = Date()
    }

    /// Applies the saved values to a steering state, agent by agent name (a patch edited since
    /// keeps what still matches).
    public func restore(into s: inout Steering) {
        s.tempo = min(max(tempo, Steering.tempoRange.lowerBound), Steering.tempoRange.upperBound)
        s.density = min(max(density, 0), 1)
        s.mood = Mood(valence: valence, arousal: arousal, name: Mood(named: mood) != nil ? mood : nil)
        s.tonic = PitchClass(tonic)
        s.modeOverride = mode.flatMap { Mode(rawValue: $0) }
        s.masterGain = min(max(masterGain, 0), 2)
        s.playing = playing
        for a in agents {
            guard let i = s.agents.firstIndex(where: { $0.name == a.name }) else { continue }
            s.agents[i].mute = a.mute
            s.agents[i].solo = a.solo
            s.agents[i].gain = min(max(a.gain, 0), 2)
            s.agents[i].pan = min(max(a.pan, -1), 1)
            s.agents[i].density = a.density.map { min(max($0, 0), 1) }
            if let v = a.reverb { s.agents[i].reverb = min(max(v, 0), 1) }
            if let v = a.delay { s.agents[i].delay = min(max(v, 0), 1) }
            if let v = a.morph { s.agents[i].morph = min(max(v, 0), 1) }
            // Live sound settings by name, for the instrument the agent plays now.
            for (name, v) in a.sound ?? [:] {
                guard let p = SoundParameter.named(name, family: s.agents[i].instrument) else { continue }
                s.agents[i].sound[p.code] = min(max(v, p.low), p.high)
            }
        }
        if let b = sound {
            s.effects.reverbSize = min(max(b.reverbSize, Steering.EffectSteering.reverbRange.lowerBound), Steering.EffectSteering.reverbRange.upperBound)
            s.effects.reverbDamping = min(max(b.reverbDamping, Steering.EffectSteering.reverbRange.lowerBound), Steering.EffectSteering.reverbRange.upperBound)
            s.effects.delayFeedback = min(max(b.delayFeedback, Steering.EffectSteering.feedbackRange.lowerBound), Steering.EffectSteering.feedbackRange.upperBound)
            s.effects.delayBeats = min(max(b.delayBeats, 0.0625), 4)
            s.effects.compressorThreshold = min(max(b.compressorThreshold, Steering.EffectSteering.thresholdRange.lowerBound), Steering.EffectSteering.thresholdRange.upperBound)
            s.effects.compressorRatio = min(max(b.compressorRatio, Steering.EffectSteering.ratioRange.lowerBound), Steering.EffectSteering.ratioRange.upperBound)
            s.moodGlide = min(max(b.moodGlide, 0), 300)
            s.followPlayer = b.followPlayer
            s.playerPause = min(max(b.playerPause, 0.5), 16)
        }
    }
}

/// The state file: JSON, written atomically (a temp file in the same folder, flushed, then
/// renamed over the old one), so a crash mid-write leaves the previous state intact.
public struct StateFile: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public enum Problem: Error, CustomStringConvertible {
        case unwritable(String)
        case corrupt(String)

        public var description: String {
            switch self {
            case .unwritable(let s), .corrupt(let s): s
            }
        }
    }

    /// Checks at start-up that the state can be saved here (folder exists, writable, disk not full).
    public func checkWritable() throws(Problem) {
        let folder = (path as NSString).deletingLastPathComponent
        let probe = (folder.isEmpty ? "." : folder) + "/.polyphon-write-test-\(getpid())"
        guard FileManager.default.createFile(atPath: probe, contents: Data(repeating: 0, count: 4096)) else {
            throw .unwritable("cannot write the state file in '\(folder.isEmpty ? "." : folder)' (missing folder, no permission, or disk full); the state will not survive a restart")
        }
        try? FileManager.default.removeItem(atPath: probe)
    }

    public func load() throws(Problem) -> SavedState? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw .corrupt("cannot read state file \(path)") }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(SavedState.self, from: data)
        } catch {
            throw .corrupt("state file \(path) is not valid (\(error)); starting from the patch's defaults")
        }
    }

    public func save(_ state: SavedState) throws(Problem) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        guard let data = try? encoder.encode(state) else { throw .unwritable("cannot encode the state") }
        let temp = path + ".tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw .unwritable("cannot write \(temp): \(String(cString: strerror(errno)))") }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == data.count, synced else {
            unlink(temp)
            throw .unwritable("cannot write \(temp) (disk full?)")
        }
        guard rename(temp, path) == 0 else {
            unlink(temp)
            throw .unwritable("cannot rename \(temp) to \(path): \(String(cString: strerror(errno)))")
        }
    }
}
