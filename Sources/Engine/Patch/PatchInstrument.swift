import DSP

/// Reading an instrument's sound from patch entries: shared by `[agent.NAME]` and its
/// `[agent.NAME.morph]` (the morph's B end, which takes the same keys).
extension PatchReader {
    static let synthKeys = ["wave", "wave2", "detune", "width", "noise", "filter", "cutoff", "resonance", "env_amount",
                            "key_track", "attack", "decay", "sustain", "release", "polyphony", "lfo_shape", "lfo_rate",
                            "lfo_pitch", "lfo_cutoff", "lfo_width", "unison", "spread", "glide"]
    static let fmKeys = ["preset", "algorithm", "feedback", "velocity", "key_scaling", "polyphony"]
        + ["ratio", "level", "attack", "decay", "sustain", "release"].flatMap { k in (1...4).map { "\(k)\($0)" } }
    static var drumKeys: [String] {
        ["tune", "decay"] + DrumKitSettings.pieces.flatMap { ["\($0)_tune", "\($0)_decay", "\($0)_tone"] }
    }

    /// The range of a key that is also a live sound parameter: declared once, in `SoundParameter`.
    static func live(_ name: String, _ family: String) -> ClosedRange<Double> {
        SoundParameter.named(name, family: family)?.range ?? 0...0
    }

    /// Applies one entry to synth settings; false if the key is not a synth key.
    mutating func readSynth(_ e: SettingsDocument.Entry, into synth: inout SynthSettings) -> Bool {
        switch e.key {
        case "wave", "wave2":
            guard let s = string(e, expected: "a waveform") else { return true }
            guard let w = Wave(name: s) else {
                fail(e.line, e.valueColumn, "'\(e.key)' expects one of saw, square, pulse, triangle, sine, noise, found \"\(s)\"")
                return true
            }
            if e.key == "wave" { synth.wave = w } else { synth.wave2 = w }
        case "filter":
            guard let s = string(e, expected: "a filter mode") else { return true }
            switch s {
            case "lowpass": synth.filterMode = .lowPass
            case "bandpass": synth.filterMode = .bandPass
            case "highpass": synth.filterMode = .highPass
            default: fail(e.line, e.valueColumn, "'filter' expects lowpass, bandpass or highpass, found \"\(s)\"")
            }
        case "lfo_shape":
            guard let s = string(e, expected: "an LFO shape") else { return true }
            if let shape = LFO.Shape(name: s) { synth.lfoShape = shape }
            else { fail(e.line, e.valueColumn, "'lfo_shape' expects sine, triangle, square or sample-and-hold, found \"\(s)\"") }
        case "detune": if let n = number(e, PatchReader.live("detune", "subtractive")) { synth.detune = Float(n) }
        case "width": if let n = number(e, PatchReader.live("width", "subtractive")) { synth.width = Float(n) }
        case "noise": if let n = number(e, PatchReader.live("noise", "subtractive")) { synth.noise = Float(n) }
        case "cutoff": if let n = number(e, PatchReader.live("cutoff", "subtractive")) { synth.cutoff = Float(n) }
        case "resonance": if let n = number(e, PatchReader.live("resonance", "subtractive")) { synth.resonance = Float(n) }
        case "env_amount": if let n = number(e, PatchReader.live("env_amount", "subtractive")) { synth.envAmount = Float(n) }
        case "key_track": if let n = number(e, PatchReader.live("key_track", "subtractive")) { synth.keyTrack = Float(n) }
        case "attack": if let n = number(e, PatchReader.live("attack", "subtractive")) { synth.attack = Float(n) }
        case "decay": if let n = number(e, PatchReader.live("decay", "subtractive")) { synth.decay = Float(n) }
        case "sustain": if let n = number(e, PatchReader.live("sustain", "subtractive")) { synth.sustain = Float(n) }
        case "release": if let n = number(e, PatchReader.live("release", "subtractive")) { synth.release = Float(n) }
        case "polyphony": if let n = number(e, 1...32) { synth.polyphony = Int(n) }
        case "lfo_rate": if let n = number(e, PatchReader.live("lfo_rate", "subtractive")) { synth.lfoRate = Float(n) }
        case "lfo_pitch": if let n = number(e, PatchReader.live("lfo_pitch", "subtractive")) { synth.lfoPitch = Float(n) }
        case "lfo_cutoff": if let n = number(e, PatchReader.live("lfo_cutoff", "subtractive")) { synth.lfoCutoff = Float(n) }
        case "lfo_width": if let n = number(e, PatchReader.live("lfo_width", "subtractive")) { synth.lfoWidth = Float(n) }
        case "unison": if let n = number(e, 1...4) { synth.unison = Int(n) }
        case "spread": if let n = number(e, PatchReader.live("spread", "subtractive")) { synth.spread = Float(n) }
        case "glide": if let n = number(e, PatchReader.live("glide", "subtractive")) { synth.glide = Float(n) }
        default: return false
        }
        return true
    }

    /// Applies one entry to FM settings; false if the key is not an FM key. `preset` replaces
    /// everything, so it belongs before any per-operator override (the order is checked).
    mutating func readFM(_ e: SettingsDocument.Entry, into fm: inout FMSettings, overridden: inout Bool) -> Bool {
        switch e.key {
        case "preset":
            guard let s = string(e, expected: "an FM preset") else { return true }
            if overridden { fail(e.line, e.keyColumn, "'preset' must come before the keys that change it") }
            switch s {
            case "electric-piano": fm = .electricPiano
            case "bell": fm = .bell
            case "bass": fm = .bass
            default: fail(e.line, e.valueColumn, "'preset' expects electric-piano, bell or bass, found \"\(s)\"")
            }
            return true
        case "algorithm":
            guard let s = string(e, expected: "an FM algorithm") else { return true }
            if let a = FMAlgorithm(name: s) { fm.algorithm = a } else {
                fail(e.line, e.valueColumn, "'algorithm' expects one of \(FMAlgorithm.allCases.map(\.name).joined(separator: ", ")), found \"\(s)\"")
            }
        case "feedback": if let n = number(e, PatchReader.live("feedback", "fm")) { fm.feedback = Float(n) }
        case "velocity": if let n = number(e, 0...1) { fm.velocitySensitivity = Float(n) }
        case "key_scaling": if let n = number(e, 0...1) { fm.keyScaling = Float(n) }
        case "polyphony": if let n = number(e, 1...32) { fm.polyphony = Int(n) }
        default:
            guard let last = e.key.last, let op = Int(String(last)), (1...4).contains(op) else { return false }
            let i = op - 1
            switch e.key.dropLast() {
            case "ratio": if let n = number(e, PatchReader.live("ratio\(op)", "fm")) { fm.ratios[i] = Float(n) }
            case "level": if let n = number(e, PatchReader.live("level\(op)", "fm")) { fm.levels[i] = Float(n) }
            case "attack": if let n = number(e, 0...10) { fm.attack[i] = Float(n) }
            case "decay": if let n = number(e, 0.001...20) { fm.decay[i] = Float(n) }
            case "sustain": if let n = number(e, 0...1) { fm.sustain[i] = Float(n) }
            case "release": if let n = number(e, 0.001...20) { fm.release[i] = Float(n) }
            default: return false
            }
        }
        overridden = true
        return true
    }

    /// Applies one entry to drum kit settings; false if the key is not a drum key.
    mutating func readDrums(_ e: SettingsDocument.Entry, into kit: inout DrumKitSettings) -> Bool {
        switch e.key {
        case "tune": if let n = number(e, 0.25...4) { kit.tune = Float(n) }
        case "decay": if let n = number(e, 0.1...10) { kit.decay = Float(n) }
        default:
            guard let underscore = e.key.lastIndex(of: "_") else { return false }
            let piece = String(e.key[..<underscore]), field = String(e.key[e.key.index(after: underscore)...])
            guard let i = DrumKitSettings.pieces.firstIndex(of: piece) else { return false }
            switch field {
            case "tune": if let n = number(e, PatchReader.live("\(piece)_tune", "drumkit")) { kit.pieces[i].tune = Float(n) }
            case "decay": if let n = number(e, PatchReader.live("\(piece)_decay", "drumkit")) { kit.pieces[i].decay = Float(n) }
            case "tone": if let n = number(e, PatchReader.live("\(piece)_tone", "drumkit")) { kit.pieces[i].tone = Float(n) }
            default: return false
            }
        }
        return true
    }

    /// Reads a `[agent.NAME.morph]` section: the B settings, of the same instrument type as A.
    mutating func readMorph(_ section: SettingsDocument.Section, of a: InstrumentSpec) -> InstrumentSpec? {
        let before = errors.count
        switch a {
        case .subtractive(var synth):
            for e in section.entries where !readSynth(e, into: &synth) {
                if e.key == "instrument" {
                    fail(e.line, e.keyColumn, "a morph's B end is the same instrument as its A end (\(a.typeName)); leave 'instrument' out")
                } else {
                    unknown(e, in: section.name, known: PatchReader.synthKeys)
                }
            }
            return errors.count == before ? .subtractive(synth) : nil
        case .fm(var fm):
            var overridden = false
            for e in section.entries where !readFM(e, into: &fm, overridden: &overridden) {
                if e.key == "instrument" {
                    fail(e.line, e.keyColumn, "a morph's B end is the same instrument as its A end (\(a.typeName)); leave 'instrument' out")
                } else {
                    unknown(e, in: section.name, known: PatchReader.fmKeys)
                }
            }
            return errors.count == before ? .fm(fm) : nil
        case .drumKit(var kit):
            for e in section.entries where !readDrums(e, into: &kit) {
                if e.key == "instrument" {
                    fail(e.line, e.keyColumn, "a morph's B end is the same instrument as its A end (\(a.typeName)); leave 'instrument' out")
                } else {
                    unknown(e, in: section.name, known: PatchReader.drumKeys)
                }
            }
            return errors.count == before ? .drumKit(kit) : nil
        case .soundFont:
            // A SoundFont preset is sampled: there is no parameter set to glide between, and
            // crossfading two whole presets would double the voices. Refused rather than faked.
            fail(section.line, section.column,
                 "[\(section.name)]: an agent with instrument \"soundfont\" has no timbre morph (morphing between two SoundFont programs is not supported); remove this section")
            return nil
        }
    }
}
