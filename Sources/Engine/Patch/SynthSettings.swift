import DSP

/// An oscillator's waveform as a patch names it: the DSP oscillator's waves plus white noise.
public enum Wave: UInt8, Sendable, CaseIterable {
    case saw, square, pulse, triangle, sine, noise

    public init?(name: String) {
        switch name {
        case "saw": self = .saw
        case "square": self = .square
        case "pulse": self = .pulse
        case "triangle": self = .triangle
        case "sine": self = .sine
        case "noise": self = .noise
        default: return nil
        }
    }
}

/// The sound of a subtractive synth part, as a patch sets it.
public struct SynthSettings: Sendable, Equatable {
    public var wave: Wave = .saw
    public var wave2: Wave = .saw
    /// Second oscillator detune in cents; 0 turns it off.
    public var detune: Float = 7
    /// Pulse width 0.05...0.95 for `pulse` waves.
    public var width: Float = 0.5
    /// White noise level added to the oscillators, 0...1.
    public var noise: Float = 0
    public var filterMode: FilterMode = .lowPass
    /// Filter cutoff in Hz at full brightness, before the envelope.
    public var cutoff: Float = 1800
    public var resonance: Float = 0.2
    /// Filter envelope depth in octaves.
    public var envAmount: Float = 2
    /// 0...1: how much the cutoff follows the note pitch.
    public var keyTrack: Float = 0.5
    public var attack: Float = 0.005
    public var decay: Float = 0.25
    public var sustain: Float = 0.6
    public var release: Float = 0.2
    /// The agent's LFO: shape, rate in Hz, and depth to pitch (cents), cutoff (octaves) and
    /// pulse width (0...0.45).
    public var lfoShape: LFO.Shape = .sine
    public var lfoRate: Float = 5
    public var lfoPitch: Float = 0
    public var lfoCutoff: Float = 0
    public var lfoWidth: Float = 0
    /// Voices per note 1...4, spread over `spread` cents around the pitch.
    public var unison = 1
    public var spread: Float = 12
    /// Portamento time in seconds (0: none). With `polyphony = 1` notes glide legato.
    public var glide: Float = 0
    /// Notes the part may hold at once; the oldest is stolen (with a short fade) beyond that.
    public var polyphony: Int = 8

    public init() {}

    /// The settings `t` of the way from `self` to `b`: every continuous value interpolated;
    /// choices (filter mode, LFO shape, unison, polyphony) stay `self`'s. Waves crossfade in the
    /// voice instead.
    // real time
    @_noAllocation @_noLocks
    public func morphed(to b: SynthSettings, _ t: Float) -> SynthSettings {
        var s = self
        @inline(__always) func mix(_ x: Float, _ y: Float) -> Float { x + (y - x) * t }
        // Frequencies and times morph on a log scale, where the ear hears them evenly.
        @inline(__always) func mixLog(_ x: Float, _ y: Float) -> Float {
            x * fastExp2(t * fastLog2(max(y, 1e-6) / max(x, 1e-6)))
        }
        s.detune = mix(detune, b.detune)
        s.width = mix(width, b.width)
        s.noise = mix(noise, b.noise)
        s.cutoff = mixLog(cutoff, b.cutoff)
        s.resonance = mix(resonance, b.resonance)
        s.envAmount = mix(envAmount, b.envAmount)
        s.keyTrack = mix(keyTrack, b.keyTrack)
        s.attack = mixLog(attack + 0.0005, b.attack + 0.0005) - 0.0005
        s.decay = mixLog(decay, b.decay)
        s.sustain = mix(sustain, b.sustain)
        s.release = mixLog(release, b.release)
        s.lfoRate = mixLog(lfoRate, b.lfoRate)
        s.lfoPitch = mix(lfoPitch, b.lfoPitch)
        s.lfoCutoff = mix(lfoCutoff, b.lfoCutoff)
        s.lfoWidth = mix(lfoWidth, b.lfoWidth)
        s.spread = mix(spread, b.spread)
        s.glide = mix(glide, b.glide)
        return s
    }
}

/// One piece of the drum kit as a patch tunes it.
public struct DrumSettings: Sendable, Equatable {
    /// Semitones from the stock pitch.
    public var tune: Float = 0
    /// Decay multiplier (1 = stock).
    public var decay: Float = 1
    /// Brightness of the piece 0...1 (0.5 = stock).
    public var tone: Float = 0.5

    public init() {}
}

/// The drum kit: every piece with its own tune, decay and tone, plus kit-wide multipliers.
public struct DrumKitSettings: Sendable, Equatable {
    public static let pieces = ["kick", "snare", "clap", "closed_hat", "open_hat", "low_tom", "mid_tom", "high_tom", "percussion"]
    public var pieces = [DrumSettings](repeating: DrumSettings(), count: DrumKitSettings.pieces.count)
    /// Kit-wide pitch and decay multipliers.
    public var tune: Float = 1
    public var decay: Float = 1

    public init() {}
}

/// What sounds an agent's part: a subtractive synth, a four-operator FM synth, the drum kit or a
/// SoundFont preset.
public enum InstrumentSpec: Sendable, Equatable {
    case subtractive(SynthSettings)
    case fm(FMSettings)
    case drumKit(DrumKitSettings)
    case soundFont(SoundFontSettings)

    /// The name a patch's `instrument` key uses.
    public var typeName: String {
        switch self {
        case .subtractive: "subtractive"
        case .fm: "fm"
        case .drumKit: "drumkit"
        case .soundFont: "soundfont"
        }
    }
}

extension FMSettings {
    /// The settings `t` of the way to `b`: ratios and times on a log scale, levels, sustains,
    /// feedback and sensitivities linearly; the algorithm and polyphony stay `self`'s.
    // real time
    @_noAllocation @_noLocks
    func morphed(to b: FMSettings, _ t: Float) -> FMSettings {
        var s = self
        var i = 0
        while i < 4 {
            s.ratios[i] = ratios[i] * fastExp2(t * fastLog2(max(b.ratios[i], 1e-3) / max(ratios[i], 1e-3)))
            s.levels[i] = levels[i] + (b.levels[i] - levels[i]) * t
            s.attack[i] = attack[i] * fastExp2(t * fastLog2(max(b.attack[i], 1e-4) / max(attack[i], 1e-4)))
            s.decay[i] = decay[i] * fastExp2(t * fastLog2(max(b.decay[i], 1e-4) / max(decay[i], 1e-4)))
            s.sustain[i] = sustain[i] + (b.sustain[i] - sustain[i]) * t
            s.release[i] = release[i] * fastExp2(t * fastLog2(max(b.release[i], 1e-4) / max(release[i], 1e-4)))
            i += 1
        }
        s.feedback = feedback + (b.feedback - feedback) * t
        s.velocitySensitivity = velocitySensitivity + (b.velocitySensitivity - velocitySensitivity) * t
        s.keyScaling = keyScaling + (b.keyScaling - keyScaling) * t
        return s
    }
}
