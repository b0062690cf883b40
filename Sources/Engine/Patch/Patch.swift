import DSP
import Ensemble
import Music

/// One ensemble a user can load: the band's defaults, its agents and their instruments, and
/// the master bus. Read from a file in `Patches/`; see docs/patches.md.
public struct Patch: Sendable {
    public struct AgentPatch: Sendable {
        public var spec: AgentSpec
        public var instrument: InstrumentSpec
        /// The B end of the timbre morph (`[agent.NAME.morph]`), the same instrument type.
        public var morphTo: InstrumentSpec?
        public var gain: Double
        public var pan: Double
        public var reverb: Double = 0
        public var delay: Double = 0
        public var solo = false
        /// Starting morph position 0...1.
        public var morph: Double = 0
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
    public var effects = EffectSettings()

    /// The steering state a freshly loaded patch starts from.
    public var initialSteering: Steering {
        var s = Steering(tempo: tempo, density: density, mood: mood, tonic: tonic, modeOverride: modeOverride,
                         masterGain: masterGain,
                         agents: agents.map { a in
                             var steering = AgentSteering(name: a.spec.name, gain: a.gain, pan: a.pan, density: a.spec.densityOverride)
                             steering.solo = a.solo
                             steering.reverb = a.reverb
                             steering.delay = a.delay
                             steering.morph = a.morph
                             steering.instrument = a.instrument.typeName
                             return steering
                         },
                         moodGlide: moodGlide, patchMoods: moods)
        s.effects.reverbSize = Double(effects.reverbSize)
        s.effects.reverbDamping = Double(effects.reverbDamping)
        s.effects.delayFeedback = Double(effects.delayFeedback)
        s.effects.delayBeats = Double(effects.delayBeats)
        s.effects.compressorThreshold = Double(effects.compressorThreshold)
        s.effects.compressorRatio = Double(effects.compressorRatio)
        return s
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
            } else if section.name == "reverb" || section.name == "delay" || section.name == "compressor" {
                reader.readEffect(section, into: &effects)
            } else if section.name.hasPrefix("agent."), section.name.hasSuffix(".morph") {
                let agentName = String(section.name.dropFirst("agent.".count).dropLast(".morph".count))
                guard let i = agents.firstIndex(where: { $0.spec.name == agentName }) else {
                    reader.fail(section.line, section.column, "[\(section.name)] must follow its agent's section [agent.\(agentName)]")
                    continue
                }
                if agents[i].morphTo != nil { reader.fail(section.line, section.column, "[\(section.name)] is defined twice") }
                agents[i].morphTo = reader.readMorph(section, of: agents[i].instrument)
            } else if section.name.hasPrefix("agent.") {
                let agentName = String(section.name.dropFirst("agent.".count))
                if let agent = reader.readAgent(section, name: agentName, existing: agents.map(\.spec.name)) {
                    agents.append(agent)
                }
            } else {
                reader.fail(section.line, section.column,
                            "unknown section [\(section.name)]; expected [band], [master], [reverb], [delay], [compressor], [mood.NAME], [agent.NAME] or [agent.NAME.morph]")
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

    /// The range of a key a live control also sets: declared once, in `ControlTable`.
    func declared(_ key: String) -> ClosedRange<Double> { ControlTable.patchRange(key) ?? 0...0 }

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
        let known = ["name", "tempo", "key", "mood", "density", "seed", "mood_glide", "harmony_style"]
        for e in section.entries {
            switch e.key {
            case "name": if let s = string(e, expected: "a name") { patch.name = s }
            case "tempo": if let n = number(e, declared("band.tempo")) { patch.tempo = n }
            case "density": if let n = number(e, declared("band.density")) { patch.density = n }
            case "seed": if let n = number(e, 0...4_294_967_295) { patch.seed = UInt64(n) }
            case "mood_glide": if let n = number(e, declared("band.mood_glide")) { patch.moodGlide = n }
            case "harmony_style":
                guard let m = model(e) else { continue }
                if m.role != .harmony { fail(e.line, e.valueColumn, "'harmony_style' expects a harmony model, found a \(m.role.rawValue) model"); continue }
                patch.styleModels.harmony = m
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

    /// A learned style model named by an entry, loaded (or taken from the cache).
    mutating func model(_ e: SettingsDocument.Entry) -> StyleModel? {
        guard let name = string(e, expected: "a style model name such as \"fiddle-lead\"") else { return nil }
        do {
            return try StyleLibrary.load(name, patchFile: file)
        } catch {
            fail(e.line, e.valueColumn, "\(error)")
            return nil
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
            case "gain": if let n = number(e, declared("master.gain")) { patch.masterGain = n }
            case "ceiling": if let n = number(e, -24...0) { patch.ceilingDB = n }
            default: unknown(e, in: "master", known: ["gain", "ceiling"])
            }
        }
    }

    mutating func readEffect(_ section: SettingsDocument.Section, into fx: inout EffectSettings) {
        for e in section.entries {
            switch (section.name, e.key) {
            case ("reverb", "size"): if let n = number(e, declared("reverb.size")) { fx.reverbSize = Float(n) }
            case ("reverb", "damping"): if let n = number(e, declared("reverb.damping")) { fx.reverbDamping = Float(n) }
            case ("reverb", "width"): if let n = number(e, 0...1) { fx.reverbWidth = Float(n) }
            case ("reverb", "return"): if let n = number(e, 0...2) { fx.reverbReturn = Float(n) }
            case ("delay", "division"):
                guard let s = string(e, expected: "a note value such as \"1/8.\" or \"1/4\"") else { continue }
                guard let beats = EffectSettings.beats(division: s) else {
                    fail(e.line, e.valueColumn, "'division' expects a note value from \"1/64\" to \"1/1\" with an optional '.' (dotted) or 't' (triplet), such as \"1/8.\", found \"\(s)\"")
                    continue
                }
                fx.delayBeats = Float(beats)
            case ("delay", "feedback"): if let n = number(e, declared("delay.feedback")) { fx.delayFeedback = Float(n) }
            case ("delay", "damping"): if let n = number(e, 0...1) { fx.delayDamping = Float(n) }
            case ("delay", "ping_pong"): if let n = number(e, 0...1) { fx.delayPingPong = n >= 0.5 }
            case ("delay", "return"): if let n = number(e, 0...2) { fx.delayReturn = Float(n) }
            case ("compressor", "threshold"): if let n = number(e, declared("compressor.threshold")) { fx.compressorThreshold = Float(n) }
            case ("compressor", "ratio"): if let n = number(e, declared("compressor.ratio")) { fx.compressorRatio = Float(n) }
            case ("compressor", "attack"): if let n = number(e, 0.0005...0.2) { fx.compressorAttack = Float(n) }
            case ("compressor", "release"): if let n = number(e, 0.02...2) { fx.compressorRelease = Float(n) }
            case ("compressor", "makeup"): if let n = number(e, 0...18) { fx.compressorMakeup = Float(n) }
            default:
                let known = switch section.name {
                case "reverb": ["size", "damping", "width", "return"]
                case "delay": ["division", "feedback", "damping", "ping_pong", "return"]
                default: ["threshold", "ratio", "attack", "release", "makeup"]
                }
                unknown(e, in: section.name, known: known)
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
        var gain = 0.8, pan = 0.0, reverb = 0.0, delay = 0.0, morph = 0.0
        var solo = false
        var octave: Int?
        var density: Double?
        var sound: [SettingsDocument.Entry] = []
        var style: StyleModel?
        var styleEntry: SettingsDocument.Entry?
        let instruments = ["subtractive", "fm", "drumkit", "soundfont"]
        for e in section.entries {
            switch e.key {
            case "role":
                guard let s = string(e, expected: "a role") else { continue }
                role = Role(rawValue: s)
                if role == nil { fail(e.line, e.valueColumn, "'role' expects one of \(Role.allCases.map(\.rawValue).joined(separator: ", ")), found \"\(s)\"") }
            case "instrument":
                guard let s = string(e, expected: "an instrument") else { continue }
                if instruments.contains(s) { instrumentName = s; instrumentEntry = e }
                else { fail(e.line, e.valueColumn, "'instrument' expects one of \(instruments.map { "\"\($0)\"" }.joined(separator: ", ")), found \"\(s)\"") }
            case "gain": if let n = number(e, declared("agent.gain")) { gain = n }
            case "pan": if let n = number(e, declared("agent.pan")) { pan = n }
            case "reverb": if let n = number(e, declared("agent.reverb")) { reverb = n }
            case "delay": if let n = number(e, declared("agent.delay")) { delay = n }
            case "morph": if let n = number(e, declared("agent.morph")) { morph = n }
            case "solo": if let n = number(e, 0...1) { solo = n >= 0.5 }
            case "octave": if let n = number(e, 0...8) { octave = Int(n) }
            case "density": if let n = number(e, declared("agent.density")) { density = n }
            case "style": style = model(e); styleEntry = e
            default: sound.append(e)
            }
        }
        let agentKeys = ["role", "instrument", "gain", "pan", "reverb", "delay", "morph", "solo", "octave", "density", "style"]
        guard let role else {
            if errors.count == before { fail(section.line, section.column, "[\(label)] needs a 'role' (\(Role.allCases.map(\.rawValue).joined(separator: ", ")))") }
            return nil
        }
        if let style, let e = styleEntry {
            switch (role, style.role) {
            case (.drums, .drums), (.lead, .lead), (.lead, .bass), (.bass, .bass), (.bass, .lead): break
            case (.harmony, _), (.texture, _):
                fail(e.line, e.valueColumn, "a \(role.rawValue) agent plays from the band's harmony; set 'harmony_style' in [band] instead")
            default:
                fail(e.line, e.valueColumn, "style model is a \(style.role.rawValue) model; a \(role.rawValue) agent expects a \(role == .drums ? "drums" : "lead or bass") model")
            }
        }
        let instrument = instrumentName ?? (role == .drums ? "drumkit" : "subtractive")
        if role == .drums && instrument != "drumkit" && instrument != "soundfont", let e = instrumentEntry {
            fail(e.line, e.valueColumn, "a drums agent expects instrument \"drumkit\" or \"soundfont\" (the General MIDI kit, bank 128)")
        }
        if role != .drums && instrument == "drumkit", let e = instrumentEntry {
            fail(e.line, e.valueColumn, "instrument \"drumkit\" only plays role \"drums\"")
        }
        var spec: InstrumentSpec
        if instrument == "soundfont" {
            guard let sf = readSoundFont(sound, label: label, known: agentKeys, drums: role == .drums,
                                         instrument: instrumentEntry, section: section) else { return nil }
            spec = .soundFont(sf)
        } else if instrument == "drumkit" {
            var kit = DrumKitSettings()
            for e in sound where !readDrums(e, into: &kit) { unknown(e, in: label, known: agentKeys + PatchReader.drumKeys) }
            spec = .drumKit(kit)
        } else if instrument == "fm" {
            var fm = FMSettings()
            var overridden = false
            for e in sound where !readFM(e, into: &fm, overridden: &overridden) { unknown(e, in: label, known: agentKeys + PatchReader.fmKeys) }
            spec = .fm(fm)
        } else {
            var synth = SynthSettings()
            for e in sound where !readSynth(e, into: &synth) { unknown(e, in: label, known: agentKeys + PatchReader.synthKeys) }
            spec = .subtractive(synth)
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
            spec: AgentSpec(name: name, role: role, octave: octave ?? defaultOctave, densityOverride: density, style: style),
            instrument: spec, morphTo: nil, gain: gain, pan: pan, reverb: reverb, delay: delay, solo: solo, morph: morph)
    }
}
