import Control
import Engine
import Foundation
import Music

/// A kept value in the state file's JSON: a number, a flag, a text or a pair.
public enum KeptValue: Codable, Equatable, Sendable {
    case number(Double), flag(Bool), text(String), pair([Double])

    init?(_ v: ControlValue) {
        switch v {
        case .number(let x): self = .number(x)
        case .flag(let b): self = .flag(b)
        case .text(let t): self = .text(t)
        case .mood(let m): self = .text(m.name)
        case .pair(let a, let b): self = .pair([a, b])
        case .key, .trigger, .unset: return nil
        }
    }

    var value: ControlValue? {
        switch self {
        case .number(let x): .number(x)
        case .flag(let b): .flag(b)
        case .text(let t): .text(t)
        case .pair(let p): p.count == 2 ? .pair(p[0], p[1]) : nil
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .flag(b) }
        else if let x = try? c.decode(Double.self) { self = .number(x) }
        else if let t = try? c.decode(String.self) { self = .text(t) }
        else { self = .pair(try c.decode([Double].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let x): try c.encode(x)
        case .flag(let b): try c.encode(b)
        case .text(let t): try c.encode(t)
        case .pair(let p): try c.encode(p)
        }
    }
}

/// What an installation must come back to after a crash or a power cut: the patch, every
/// control the table marks as kept (band-wide and per agent, by the controls' keys), the cue
/// position and the seed. What is kept, and the ranges it is checked against when read back,
/// come from `ControlTable`: nothing here lists a control.
public struct SavedState: Codable, Equatable, Sendable {
    public struct Agent: Codable, Equatable, Sendable {
        public var name: String
        public var controls: [String: KeptValue]?
        // Written before the control table (still read): the strip, sends, morph, live sound.
        var mute: Bool?, solo: Bool?, gain: Double?, pan: Double?, density: Double?
        var reverb: Double?, delay: Double?, morph: Double?, sound: [String: Double]?
    }

    public var patch: String
    /// The patch the config named when this was saved: a config edited since wins at start.
    public var configured: String?
    public var seed: UInt64
    /// Band-wide controls by key (`tempo`, `reverb_size`, ...).
    public var controls: [String: KeptValue]?
    public var agents: [Agent]
    public var cueFile: String?
    public var cueIndex: Int?
    /// How many times Polyphon has started with this state file.
    public var restarts: Int?
    public var savedAt: Date
    // Written before the control table (still read).
    var tempo: Double?, density: Double?, mood: String?, valence: Double?, arousal: Double?, tonic: Int?, mode: String?
    var masterGain: Double?, playing: Bool?

    public init(patch: String, seed: UInt64, steering s: Steering, cue: (file: String, index: Int)?) {
        self.patch = patch
        self.seed = seed
        var band: [String: KeptValue] = [:]
        for spec in ControlTable.all where spec.kept && spec.scope == .band {
            if let v = spec.keptValue(in: s).flatMap(KeptValue.init) { band[spec.key] = v }
        }
        controls = band
        agents = s.agents.indices.map { i in
            var kept: [String: KeptValue] = [:]
            for spec in ControlTable.all where spec.kept && spec.scope != .band {
                if let v = spec.keptValue(in: s, agent: i).flatMap(KeptValue.init) { kept[spec.key] = v }
            }
            // A density that follows the band is kept as not set.
            if s.agents[i].density == nil { kept["density"] = nil }
            return Agent(name: s.agents[i].name, controls: kept)
        }
        cueFile = cue?.file
        cueIndex = cue?.index
        savedAt = Date()
    }

    /// Applies the saved values to a steering state, agent by agent name (a patch edited since
    /// keeps what still matches), each checked by its control's declared rules.
    public func restore(into s: inout Steering) {
        var band = controls ?? [:]
        legacyBand(into: &band)
        // Mood before its axes, so a point between named moods comes back where it was.
        let order = ControlTable.all.filter { $0.kept && $0.scope == .band }
            .sorted { ($0.key == "mood" ? 0 : 1) < ($1.key == "mood" ? 0 : 1) }
        for spec in order {
            guard let v = band[spec.key]?.value, let value = spec.restored(v, in: s) else { continue }
            spec.set(value, in: &s)
        }
        for a in agents {
            guard let i = s.agents.firstIndex(where: { $0.name == a.name }) else { continue }
            var kept = a.controls ?? [:]
            a.legacy(into: &kept)
            for spec in ControlTable.all where spec.kept && spec.scope != .band {
                if case .sound(let family, _) = spec.scope, s.agents[i].instrument != family { continue }
                guard let v = kept[spec.key]?.value, let value = spec.restored(v, in: s) else { continue }
                spec.set(value, in: &s, agent: i)
            }
        }
    }

    /// Values from a state file written before the control table, by their keys now.
    private func legacyBand(into band: inout [String: KeptValue]) {
        func put(_ key: String, _ v: KeptValue?) { if band[key] == nil, let v { band[key] = v } }
        put("tempo", tempo.map(KeptValue.number))
        put("density", density.map(KeptValue.number))
        put("mood", mood.map(KeptValue.text))
        put("valence", valence.map(KeptValue.number))
        put("arousal", arousal.map(KeptValue.number))
        put("master_gain", masterGain.map(KeptValue.number))
        put("playing", playing.map(KeptValue.flag))
        if let tonic { put("key", .text("\(PitchClass(tonic))" + (mode.map { " \($0)" } ?? ""))) }
    }
}

extension SavedState.Agent {
    fileprivate func legacy(into kept: inout [String: KeptValue]) {
        func put(_ key: String, _ v: KeptValue?) { if kept[key] == nil, let v { kept[key] = v } }
        put("mute", mute.map(KeptValue.flag))
        put("solo", solo.map(KeptValue.flag))
        put("gain", gain.map(KeptValue.number))
        put("pan", pan.map(KeptValue.number))
        put("density", density.map(KeptValue.number))
        put("reverb", reverb.map(KeptValue.number))
        put("delay", delay.map(KeptValue.number))
        put("morph", morph.map(KeptValue.number))
        for (name, v) in sound ?? [:] { put(name, .number(v)) }
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
