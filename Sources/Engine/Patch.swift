import DSP
import Ensemble
import Music

/// One ensemble a user can load: the band's defaults, its agents and their instruments, and
/// the master bus. Read from a file in `Patches/`; see README "Patch files".
public struct Patch: Sendable {
    public struct AgentPatch: Sendable {
        public var spec: AgentSpec
        public var instrument: InstrumentSpec
        public var gain: Double
        public var pan: Double
    }

    public var name: String
    public var tempo: Double = 112
    public var tonic = PitchClass(9)
    public var modeOverride: Mode? = nil
    public var mood = Mood(named: "driving")!
    public var density: Double = 0.6
    public var seed: UInt64 = 1
    public var masterGain: Double = 0.8
    public var ceilingDB: Double = -1
    public var agents: [AgentPatch] = []
    /// Learned style models the band plays from (roles without one play by rule).
    public var styleModels = StyleModels()
    /// Seconds a mood change glides over.
    public var moodGlide: Double = 0
    /// Named moods this patch adds (`[mood.NAME]` sections).
    public var moods: [Mood] = []

    /// The steering state a freshly loaded patch starts from.
    public var initialSteering: Steering {
        Steering(tempo: tempo, density: density, mood: mood, tonic: tonic, modeOverride: modeOverride,
                 masterGain: masterGain,
                 agents: agents.map { AgentSteering(name: $0.spec.name, gain: $0.gain, pan: $0.pan, density: $0.spec.densityOverride) },
                 moodGlide: moodGlide, patchMoods: moods)
    }

    /// Reads and fully validates a patch. Throws `SourceErrors` listing every mistake.
    public init(file: String, text: String) throws(SourceErrors) {
        var errors: [SourceError] = []
        let document = SettingsDocument(file: file, text: text, errors: &errors)
        name = file
        var reader = PatchReader(file: file, errors: errors)
        // The patch's own moods first, so [band] may start in one wherever it is defined.
        for section in document.sections where section.name.hasPrefix("mood.") {
            if let m = reader.readMood(section, name: String(section.name.dropFirst("mood.".count))) { moods.append(m) }
        }
        for section in document.sections {
            if section.name == "band" {
                reader.readBand(section, into: &self)
            } else if section.name == "master" {
                reader.readMaster(section, into: &self)
            } else if section.name.hasPrefix("mood.") {
                continue
            } else if section.name.hasPrefix("agent.") {
                let agentName = String(section.name.dropFirst("agent.".count))
                if let agent = reader.readAgent(section, name: agentName, existing: agents.map(\.spec.name)) {
                    agents.append(agent)
                }
            } else {
                reader.fail(section.line, section.column,
                            "unknown section [\(section.name)]; expected [band], [master], [mood.NAME] or [agent.NAME]")
            }
        }
        if agents.isEmpty && reader.errors.isEmpty {
            reader.fail(1, 1, "expected at least one [agent.NAME] section")
        }
        if agents.count > 32 { reader.fail(1, 1, "at most 32 agents, found \(agents.count)") }
        if !reader.errors.isEmpty { throw SourceErrors(errors: reader.errors) }
    }
}

/// Typed, range-checked access to a patch's entries, collecting every error it finds.
struct PatchReader {
    let file: String
    var errors: [SourceError]

    mutating func fail(_ line: Int, _ column: Int, _ message: String) {
        errors.append(SourceError(file: file, line: line, column: column, message: message))
    }

    mutating func number(_ e: SettingsDocument.Entry, _ range: ClosedRange<Double>) -> Double? {
        guard case .number(let n) = e.value else {
            fail(e.line, e.valueColumn, "'\(e.key)' expects a number in \(range.lowerBound)...\(range.upperBound), found \(e.value.typeName)")
            return nil
        }
        guard range.contains(n) else {
            fail(e.line, e.valueColumn, "'\(e.key)' expects a number in \(range.lowerBound)...\(range.upperBound), found \(n)")
            return nil
        }
        return n
    }

    mutating func string(_ e: SettingsDocument.Entry, expected: String) -> String? {
        guard case .string(let s) = e.value else {
            fail(e.line, e.valueColumn, "'\(e.key)' expects \(expected) in quotes, found \(e.value.typeName)")
            return nil
        }
        return s
    }

    mutating func unknown(_ e: SettingsDocument.Entry, in section: String, known: [String]) {
        fail(e.line, e.keyColumn, "unknown key '\(e.key)' in [\(section)]; expected one of: \(known.joined(separator: ", "))")
    }

    mutating func readBand(_ section: SettingsDocument.Section, into patch: inout Patch) {
        let known = ["name", "tempo", "key", "mood", "density", "seed", "mood_glide"]
        for e in section.entries {
            switch e.key {
            case "name": if let s = string(e, expected: "a name") { patch.name = s }
            case "tempo": if let n = number(e, Steering.tempoRange) { patch.tempo = n }
            case "density": if let n = number(e, 0...1) { patch.density = n }
            case "seed": if let n = number(e, 0...4_294_967_295) { patch.seed = UInt64(n) }
            case "mood_glide": if let n = number(e, 0...300) { patch.moodGlide = n }
            case "key":
                guard let s = string(e, expected: "a key such as \"A\" or \"D dorian\"") else { continue }
                guard let key = Key(parsing: s) else {
                    fail(e.line, e.valueColumn, "'key' expects a tonic (C, F#, Bb...) and an optional mode (major, minor, \(Mode.allCases.map(\.rawValue).joined(separator: ", "))), found \"\(s)\"")
                    continue
                }
                patch.tonic = key.tonic
                patch.modeOverride = s.contains(" ") ? key.mode : nil
            case "mood":
                guard let s = string(e, expected: "a mood name") else { continue }
                guard let m = patch.moods.first(where: { $0.name == s.lowercased() }) ?? Mood(named: s) else {
                    let names = Mood.names + patch.moods.map(\.name)
                    fail(e.line, e.valueColumn, "'mood' expects one of \(names.joined(separator: ", ")), found \"\(s)\"")
                    continue
                }
                patch.mood = m
            default: unknown(e, in: "band", known: known)
            }
        }
    }

    /// A `[mood.NAME]` section: a named point on the valence/arousal plane.
    mutating func readMood(_ section: SettingsDocument.Section, name: String) -> Mood? {
        var valence: Double?, arousal: Double?
        for e in section.entries {
            switch e.key {
            case "valence": valence = number(e, -1...1)
            case "arousal": arousal = number(e, -1...1)
            default: unknown(e, in: "mood.\(name)", known: ["valence", "arousal"])
            }
        }
        let valid = !name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        if !valid {
            fail(section.line, section.column, "[mood.\(name)] needs a name of letters, digits, '-' or '_'")
            return nil
        }
        if Mood(named: name) != nil {
            fail(section.line, section.column, "[mood.\(name)] redefines a built-in mood; choose another name")
            return nil
        }
        guard let valence, let arousal else {
            fail(section.line, section.column, "[mood.\(name)] needs both 'valence' and 'arousal' (-1...1)")
            return nil
        }
        return Mood(valence: valence, arousal: arousal, name: name.lowercased())
    }

    mutating func readMaster(_ section: SettingsDocument.Section, into patch: inout Patch) {
        for e in section.entries {
            switch e.key {
            case "gain": if let n = number(e, Steering.gainRange) { patch.masterGain = n }
            case "ceiling": if let n = number(e, -24...0) { patch.ceilingDB = n }
            default: unknown(e, in: "master", known: ["gain", "ceiling"])
            }
        }
    }

    mutating func readAgent(_ section: SettingsDocument.Section, name: String, existing: [String]) -> Patch.AgentPatch? {
        let before = errors.count
        let label = "agent.\(name)"
        if name.isEmpty || !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) {
            fail(section.line, section.column + 7, "agent name must be letters, digits, '_' or '-', found \"\(name)\"")
        }
        if existing.contains(name) { fail(section.line, section.column, "agent '\(name)' is defined twice") }
        var role: Role?
        var instrumentName: String?
        var instrumentEntry: SettingsDocument.Entry?
        var synth = SynthSettings()
        var tune = 1.0, decay = 1.0
        var gain = 0.8, pan = 0.0
        var octave: Int?
        var density: Double?
        let known = ["role", "instrument", "gain", "pan", "octave", "density", "wave", "wave2", "detune", "cutoff",
                     "resonance", "env_amount", "key_track", "attack", "decay", "sustain", "release", "polyphony", "tune"]
        for e in section.entries {
            switch e.key {
            case "role":
                guard let s = string(e, expected: "a role") else { continue }
                role = Role(rawValue: s)
                if role == nil { fail(e.line, e.valueColumn, "'role' expects one of \(Role.allCases.map(\.rawValue).joined(separator: ", ")), found \"\(s)\"") }
            case "instrument":
                guard let s = string(e, expected: "an instrument") else { continue }
                if s == "subtractive" || s == "drumkit" { instrumentName = s; instrumentEntry = e }
                else { fail(e.line, e.valueColumn, "'instrument' expects \"subtractive\" or \"drumkit\", found \"\(s)\"") }
            case "gain": if let n = number(e, Steering.gainRange) { gain = n }
            case "pan": if let n = number(e, -1...1) { pan = n }
            case "octave": if let n = number(e, 0...8) { octave = Int(n) }
            case "density": if let n = number(e, 0...1) { density = n }
            case "wave", "wave2":
                guard let s = string(e, expected: "a waveform") else { continue }
                guard let w = Waveform(name: s) else {
                    fail(e.line, e.valueColumn, "'\(e.key)' expects one of saw, square, triangle, sine, found \"\(s)\"")
                    continue
                }
                if e.key == "wave" { synth.wave = w } else { synth.wave2 = w }
            case "detune": if let n = number(e, 0...100) { synth.detune = Float(n) }
            case "cutoff": if let n = number(e, 20...20000) { synth.cutoff = Float(n) }
            case "resonance": if let n = number(e, 0...1) { synth.resonance = Float(n) }
            case "env_amount": if let n = number(e, 0...6) { synth.envAmount = Float(n) }
            case "key_track": if let n = number(e, 0...1) { synth.keyTrack = Float(n) }
            case "attack": if let n = number(e, 0...10) { synth.attack = Float(n) }
            case "decay": if let n = number(e, 0.001...10) { synth.decay = Float(n); decay = n }
            case "sustain": if let n = number(e, 0...1) { synth.sustain = Float(n) }
            case "release": if let n = number(e, 0.001...20) { synth.release = Float(n) }
            case "polyphony": if let n = number(e, 1...32) { synth.polyphony = Int(n) }
            case "tune": if let n = number(e, 0.25...4) { tune = n }
            default: unknown(e, in: label, known: known)
            }
        }
        guard let role else {
            if errors.count == before { fail(section.line, section.column, "[\(label)] needs a 'role' (\(Role.allCases.map(\.rawValue).joined(separator: ", ")))") }
            return nil
        }
        let instrument = instrumentName ?? (role == .drums ? "drumkit" : "subtractive")
        if role == .drums && instrument != "drumkit", let e = instrumentEntry {
            fail(e.line, e.valueColumn, "a drums agent expects instrument \"drumkit\"")
        }
        if role != .drums && instrument == "drumkit", let e = instrumentEntry {
            fail(e.line, e.valueColumn, "instrument \"drumkit\" only plays role \"drums\"")
        }
        guard errors.count == before else { return nil }
        let defaultOctave: Int = switch role {
        case .bass: 2
        case .harmony: 4
        case .lead: 5
        case .texture: 5
        case .drums: 0
        }
        return Patch.AgentPatch(
            spec: AgentSpec(name: name, role: role, octave: octave ?? defaultOctave, densityOverride: density),
            instrument: instrument == "drumkit" ? .drumKit(tune: Float(tune), decay: Float(decay)) : .subtractive(synth),
            gain: gain, pan: pan)
    }
}
