import Music

/// Every control of the show, declared once. See `ControlSpec` for what derives from it.
public enum ControlTable {
    public static let all: [ControlSpec] = band + agent + sound + session

    /// Index by address (agent addresses with `*` for the name).
    static let byAddress: [String: Int] = {
        var map: [String: Int] = [:]
        for (i, c) in all.enumerated() { map[c.address] = i }
        return map
    }()

    public static func index(of address: String) -> Int? { byAddress[address] }
    public static func spec(_ address: String) -> ControlSpec? { index(of: address).map { all[$0] } }

    /// The declared address a concrete one stands for, and the agent it names:
    /// `/polyphon/agent/bass/gain` → (`/polyphon/agent/*/gain`, "bass").
    public static func declared(_ address: String) -> (address: String, agent: String?) {
        let parts = address.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 5, parts[1] == "polyphon", parts[2] == "agent" else { return (address, nil) }
        var generic = parts
        generic[3] = "*"
        return (generic.joined(separator: "/"), String(parts[3]))
    }

    /// The range a patch key is checked against, when a control declares it (`band.tempo`).
    public static func patchRange(_ key: String) -> ClosedRange<Double>? {
        all.first { $0.patchKey == key }?.range
    }


    // MARK: Helpers for declarations

    typealias Get = @Sendable (Steering) -> Double
    typealias Set = @Sendable (inout Steering, Double) -> Void

    static func number(_ address: String, _ range: ClosedRange<Double>, unit: String = "", level: Bool = false,
                       patchKey: String? = nil, event: AudioEvent.Kind? = nil, key: String? = nil, normRange: ClosedRange<Double>? = nil,
                       curve: ControlSpec.Curve = .linear, summary: String,
                       get: @escaping Get, set: @escaping Set,
                       parse: (@Sendable (String, Steering) -> Result<ControlValue, ControlError>)? = nil,
                       eventValue: (@Sendable (Steering, Int?) -> Float)? = nil) -> ControlSpec {
        ControlSpec(address, .number, types: parse == nil ? "f" : "f|s", range: range, level: level, normRange: normRange, curve: curve,
                    unit: unit, patchKey: patchKey, event: event, key: key, summary: summary,
                    read: { s, _ in .number(get(s)) },
                    write: { s, _, v in if case .number(let x) = v { set(&s, x) } },
                    parse: parse, eventValue: eventValue)
    }

    typealias AgentGet = @Sendable (AgentSteering, Steering) -> Double
    typealias AgentSet = @Sendable (inout AgentSteering, Double) -> Void

    static func agentNumber(_ name: String, _ range: ClosedRange<Double>, level: Bool = false, event: AudioEvent.Kind?,
                            summary: String, get: @escaping AgentGet, set: @escaping AgentSet) -> ControlSpec {
        ControlSpec("/polyphon/agent/*/\(name)", .number, scope: .agent, range: range, level: level,
                    patchKey: "agent.\(name)", event: event, summary: summary,
                    read: { s, i in i.map { .number(get(s.agents[$0], s)) } },
                    write: { s, i, v in if let i, case .number(let x) = v { set(&s.agents[i], x) } })
    }

    // MARK: The band

    static let band: [ControlSpec] = [
        number("/polyphon/tempo", Steering.tempoRange, unit: "BPM", patchKey: "band.tempo", normRange: 40...220,
               summary: "the band's tempo, from the next beat (clamped to the schedule's bounds)",
               get: { $0.tempo }, set: { s, v in s.tempo = v.clamped(to: s.limits.tempo); s.tempoRampBeats = 0 }),
        ControlSpec("/polyphon/tempo/ramp", .pair, range: Steering.tempoRange, secondRange: 0...256, unit: "BPM, bars", access: .write,
                    summary: "BPM 20…300 and bars 0…256: the tempo steps on every beat of the ramp, on the audio clock",
                    write: { s, _, v in
                        guard case .pair(let bpm, let bars) = v else { return }
                        s.tempo = bpm.clamped(to: s.limits.tempo)
                        s.tempoRampBeats = Int((bars * Double(s.beatsPerBar)).rounded())
                    }),
        number("/polyphon/density", 0...1, level: true, patchKey: "band.density",
               summary: "how busy the band is, from the next bar (clamped to the schedule's bounds)",
               get: { $0.density }, set: { s, v in s.density = v.clamped(to: s.limits.density) }),
        ControlSpec("/polyphon/mood", .text, patchKey: "band.mood",
                    summary: "a named mood (calm dreamy melancholy dark tense driving euphoric playful, or the patch's own): mode, harmony, register, timbre, from the next bar",
                    read: { s, _ in .text(s.mood.name) },
                    write: { s, _, v in if case .mood(let m) = v { s.mood = m; s.modeOverride = nil } },
                    parse: { text, s in
                        guard let m = s.mood(named: text) else {
                            return .failure(ControlError("unknown mood '\(text)'; expected one of \(s.moodNames.joined(separator: ", "))"))
                        }
                        return .success(.mood(m))
                    }),
        ControlSpec("/polyphon/mood/xy", .pair, range: 0...1, parts: ("mood_x", "mood_y"), kept: false, summary: "valence and arousal from an XY pad, each 0…1",
                    read: { s, _ in .pair((s.mood.valence + 1) / 2, (s.mood.arousal + 1) / 2) },
                    write: { s, _, v in
                        guard case .pair(let x, let y) = v else { return }
                        s.mood = Mood(valence: x * 2 - 1, arousal: y * 2 - 1); s.modeOverride = nil
                    }),
        number("/polyphon/mood/valence", -1...1, key: "valence", summary: "one axis of the mood plane: dark (−1) to bright (1)",
               get: { $0.mood.valence }, set: { s, v in s.mood = Mood(valence: v, arousal: s.mood.arousal); s.modeOverride = nil }),
        number("/polyphon/mood/arousal", -1...1, key: "arousal", summary: "one axis of the mood plane: still (−1) to excited (1)",
               get: { $0.mood.arousal }, set: { s, v in s.mood = Mood(valence: s.mood.valence, arousal: v) }),
        number("/polyphon/mood/glide", 0...300, unit: "s", patchKey: "band.mood_glide",
               summary: "how long later mood changes glide over the mood plane (0: at the next bar)",
               get: { $0.moodGlide }, set: { s, v in s.moodGlide = v }),
        ControlSpec("/polyphon/key", .text, patchKey: "band.key",
                    keep: { s in .text(s.modeOverride.map { "\(s.tonic) \($0.rawValue)" } ?? "\(s.tonic)") },
                    summary: "tonic (C, F#, Bb…), with a mode that stays until the next mood change (\"D dorian\")",
                    read: { s, _ in .text(s.key.description) },
                    write: { s, _, v in if case .key(let tonic, let mode) = v { s.tonic = tonic; if let mode { s.modeOverride = mode } } },
                    parse: { text, _ in
                        guard let key = Key(parsing: text) else {
                            return .failure(ControlError("cannot read key '\(text)'; expected a tonic (C, F#, Bb...) and an optional mode"))
                        }
                        return .success(.key(key.tonic, text.contains(" ") ? key.mode : nil))
                    }),
        ControlSpec("/polyphon/player/follow", .toggle, key: "follow", summary: "the band's tempo follows the live player's",
                    read: { s, _ in .flag(s.followPlayer) }, write: { s, _, v in if case .flag(let b) = v { s.followPlayer = b } }),
        number("/polyphon/player/pause", 0.5...16, unit: "beats", summary: "the silence that ends the player's phrase, after which the lead answers",
               get: { $0.playerPause }, set: { s, v in s.playerPause = v }),
        number("/polyphon/master/gain", Steering.gainRange, level: true, patchKey: "master.gain", event: .masterGain,
               summary: "master gain, smoothed (under the installation's volume cap)",
               get: { $0.masterGain }, set: { s, v in s.masterGain = v }, eventValue: { s, _ in Float(s.effectiveMasterGain) }),
        ControlSpec("/polyphon/transport/play", .trigger, access: .write, summary: "the band plays, from a new bar",
                    write: { s, _, _ in s.playing = true }),
        ControlSpec("/polyphon/transport/stop", .trigger, access: .write, summary: "the band stops and releases every note",
                    write: { s, _, _ in s.playing = false }),
        ControlSpec("/polyphon/transport/playing", .toggle, access: .read, key: "playing", summary: "1 while the band plays",
                    read: { s, _ in .flag(s.playing) }, write: { s, _, v in if case .flag(let b) = v { s.playing = b } }),
        ControlSpec("/polyphon/panic", .trigger, access: .write, event: .allNotesOff, summary: "silences every note at once",
                    write: { s, _, _ in s.panicCount += 1 }),
        number("/polyphon/reverb/size", Steering.EffectSteering.reverbRange, patchKey: "reverb.size", event: .reverbSize,
               summary: "reverb decay (RT60 0.3…9 s)", get: { $0.effects.reverbSize }, set: { s, v in s.effects.reverbSize = v }),
        number("/polyphon/reverb/damping", Steering.EffectSteering.reverbRange, patchKey: "reverb.damping", event: .reverbDamping,
               summary: "reverb high damping", get: { $0.effects.reverbDamping }, set: { s, v in s.effects.reverbDamping = v }),
        number("/polyphon/delay/feedback", Steering.EffectSteering.feedbackRange, patchKey: "delay.feedback", event: .delayFeedback,
               summary: "tempo delay feedback", get: { $0.effects.delayFeedback }, set: { s, v in s.effects.delayFeedback = v }),
        number("/polyphon/delay/division", Steering.EffectSteering.beatsRange, unit: "beats", patchKey: "delay.division", event: .delayBeats,
               summary: "delay time in beats, or a note value such as \"1/8.\" or \"1/4t\"; it follows the tempo",
               get: { $0.effects.delayBeats }, set: { s, v in s.effects.delayBeats = v },
               parse: { text, _ in
                   guard let b = EffectSettings.beats(division: text) else {
                       return .failure(ControlError("cannot read note value '\(text)'; expected 1/64 ... 1/1 with an optional '.' (dotted) or 't' (triplet), such as \"1/8.\""))
                   }
                   return .success(.number(b))
               }),
        number("/polyphon/compressor/threshold", Steering.EffectSteering.thresholdRange, unit: "dBFS", patchKey: "compressor.threshold",
               event: .compressorThreshold, summary: "master glue compressor threshold",
               get: { $0.effects.compressorThreshold }, set: { s, v in s.effects.compressorThreshold = v }),
        number("/polyphon/compressor/ratio", Steering.EffectSteering.ratioRange, patchKey: "compressor.ratio", event: .compressorRatio,
               summary: "master glue compressor ratio", get: { $0.effects.compressorRatio }, set: { s, v in s.effects.compressorRatio = v }),
        // Bounds the installation sets (config, schedule windows): controllers see them, only the show writes them.
        ControlSpec("/polyphon/limit/volume", .number, range: 0...2, access: .read, event: .masterGain, kept: false,
                    summary: "the installation's master gain cap (config volume_limit, schedule windows)",
                    read: { s, _ in .number(s.limits.volume) },
                    write: { s, _, v in if case .number(let x) = v { s.limits.volume = x } },
                    eventValue: { s, _ in Float(s.effectiveMasterGain) }),
        ControlSpec("/polyphon/limit/density", .pair, range: 0...1, access: .read, kept: false,
                    summary: "the lowest and highest density controllers may set now (schedule windows)",
                    read: { s, _ in .pair(s.limits.density.lowerBound, s.limits.density.upperBound) },
                    write: { s, _, v in
                        guard case .pair(let lo, let hi) = v, lo <= hi else { return }
                        s.limits.density = lo...hi
                        s.density = s.density.clamped(to: s.limits.density)
                    }),
        ControlSpec("/polyphon/limit/tempo", .pair, range: Steering.tempoRange, access: .read, kept: false,
                    summary: "the slowest and fastest tempo controllers may set now (schedule windows)",
                    read: { s, _ in .pair(s.limits.tempo.lowerBound, s.limits.tempo.upperBound) },
                    write: { s, _, v in
                        guard case .pair(let lo, let hi) = v, lo <= hi else { return }
                        s.limits.tempo = lo...hi
                        s.tempo = s.tempo.clamped(to: s.limits.tempo)
                    }),
    ]

    // MARK: Each agent's channel

    static let agent: [ControlSpec] = [
        ControlSpec("/polyphon/agent/*/mute", .toggle, scope: .agent, event: .trackMute, summary: "mutes the part (its sends too)",
                    read: { s, i in i.map { .flag(s.agents[$0].mute) } },
                    write: { s, i, v in if let i, case .flag(let b) = v { s.agents[i].mute = b } },
                    eventValue: { s, i in i.map { s.isSilenced($0) ? 1 : 0 } ?? 0 }),
        ControlSpec("/polyphon/agent/*/solo", .toggle, scope: .agent, patchKey: "agent.solo", event: .trackMute,
                    summary: "only soloed parts sound",
                    read: { s, i in i.map { .flag(s.agents[$0].solo) } },
                    write: { s, i, v in if let i, case .flag(let b) = v { s.agents[i].solo = b } },
                    eventValue: { s, i in i.map { s.isSilenced($0) ? 1 : 0 } ?? 0 }),
        agentNumber("gain", Steering.gainRange, level: true, event: .trackGain, summary: "the part's fader",
                    get: { a, _ in a.gain }, set: { $0.gain = $1 }),
        agentNumber("pan", -1...1, event: .trackPan, summary: "the part's pan, left (−1) to right (1)",
                    get: { a, _ in a.pan }, set: { $0.pan = $1 }),
        ControlSpec("/polyphon/agent/*/density", .number, scope: .agent, types: "f|N", range: 0...1, level: true, patchKey: "agent.density",
                    summary: "the part's own density (N: follow the band's)",
                    read: { s, i in i.map { .number(s.agents[$0].density ?? s.density) } },
                    write: { s, i, v in
                        guard let i else { return }
                        if case .number(let x) = v { s.agents[i].density = x } else if case .unset = v { s.agents[i].density = nil }
                    }),
        agentNumber("reverb", 0...1, level: true, event: .trackReverb, summary: "the part's post-fader reverb send",
                    get: { a, _ in a.reverb }, set: { $0.reverb = $1 }),
        agentNumber("delay", 0...1, level: true, event: .trackDelay, summary: "the part's post-fader delay send",
                    get: { a, _ in a.delay }, set: { $0.delay = $1 }),
        agentNumber("morph", 0...1, level: true, event: .trackMorph,
                    summary: "timbre morph between the part's instrument and its [agent.NAME.morph] settings",
                    get: { a, _ in a.morph }, set: { $0.morph = $1 }),
    ]

    // MARK: Each instrument's live settings

    /// `/polyphon/agent/*/sound/NAME` for every `SoundParameter`; only agents whose instrument
    /// has the parameter take it.
    static let sound: [ControlSpec] = SoundParameter.all.map { p in
        let code = p.code
        return ControlSpec("/polyphon/agent/*/sound/\(p.name)", .number, scope: .sound(family: p.family, code: code), range: p.range,
                           curve: p.name == "cutoff" || p.name == "lfo_rate" ? .exponential : .linear,
                           unit: p.unit, patchKey: "\(p.family).\(p.name)", event: .sound,
                           summary: "\(p.family) instrument: \(p.summary)",
                           read: { s, i in i.flatMap { s.agents[$0].sound[code] }.map { .number($0) } },
                           write: { s, i, v in if let i, case .number(let x) = v { s.agents[i].sound[code] = x } })
    }

    // MARK: Questions, files and sessions

    static let session: [ControlSpec] = [
        ControlSpec("/polyphon/status", .query, access: .read, summary: "replies /polyphon/status with name/value pairs: every readable control, load, xruns, bar, chord, cue"),
        ControlSpec("/polyphon/ping", .query, access: .read, summary: "replies /polyphon/pong (and a subscriber gets the whole state again)"),
        ControlSpec("/polyphon/subscribe", .session, types: "|i", access: .read, summary: "feedback of every change to the sender (or to its port i)"),
        ControlSpec("/polyphon/unsubscribe", .session, access: .read, summary: "stops feedback to the sender"),
        ControlSpec("/polyphon/auth", .session, types: "s", access: .read, summary: "the shared secret, once per TCP connection, for the control role"),
        ControlSpec("/polyphon/learn", .session, types: "s", access: .write, summary: "binds the next unknown address to the Polyphon address given (a mapping file must be loaded)"),
        ControlSpec("/polyphon/patch", .text, access: .write, summary: "a patch file's name in the patch folder: crossfades to it over 2 s"),
        ControlSpec("/polyphon/cue/load", .text, access: .write, summary: "a cue file's name in the cue folder: loaded only if it has no errors"),
        ControlSpec("/polyphon/cue/go", .trigger, access: .write, summary: "releases a `wait go` (a desk's GO button)"),
        ControlSpec("/polyphon/cue/goto", .text, access: .write, summary: "jumps to a label of the cue file"),
        ControlSpec("/polyphon/cue/stop", .trigger, access: .write, summary: "stops cue playback"),
        ControlSpec("/polyphon/cue/pause", .trigger, access: .write, summary: "pauses cue playback until GO"),
        ControlSpec("/polyphon/cue/current", .text, access: .read, summary: "the cue that fired last"),
        ControlSpec("/polyphon/cue/next", .text, access: .read, summary: "the cue that comes next"),
    ]
}

extension Steering {
    /// A part is silent when muted, or when another part is soloed and it is not.
    public func isSilenced(_ i: Int) -> Bool {
        agents[i].mute || (!agents[i].solo && agents.contains { $0.solo })
    }

    /// Beats in a bar (4/4 for now: the conductor's meter).
    var beatsPerBar: Int { 4 }
}

extension Double {
    /// The nearest value inside `range` (a schedule window's bounds).
    public func clamped(to range: ClosedRange<Double>) -> Double { Swift.min(range.upperBound, Swift.max(range.lowerBound, self)) }
}
