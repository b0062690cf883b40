/// An instrument setting a show can change live over OSC (`/polyphon/agent/NAME/sound/PARAM`):
/// its name (the patch key it overrides), its range, the instrument family it belongs to, and
/// the code the audio thread switches on.
///
/// The value replaces the patch's setting on the A end of the agent's morph (on both ends when
/// the agent has no morph). Filter, LFO, detune and FM levels act at the next control step;
/// envelope times, glide and drum settings at the next note.
public struct SoundParameter: Sendable, Hashable {
    public let name: String
    public let code: UInt8
    public let low: Double
    public let high: Double
    public let family: String

    public var range: ClosedRange<Double> { low...high }

    /// The unit and a few words for people (docs, OSCQuery).
    public var unit: String { SoundParameter.units[name] ?? SoundParameter.units[String(name.split(separator: "_").last ?? "")] ?? "" }
    public var summary: String {
        let plain = name.replacingOccurrences(of: "_", with: " ")
        return unit.isEmpty ? plain : "\(plain) (\(unit))"
    }

    static let units: [String: String] = [
        "cutoff": "Hz", "attack": "s", "decay": "s", "release": "s", "detune": "cents", "lfo_rate": "Hz",
        "lfo_pitch": "cents", "lfo_cutoff": "octaves", "glide": "s", "spread": "cents", "env_amount": "octaves",
        "tune": "semitones", "key_track": "", "sustain": "",
    ]

    static func synth(_ name: String, _ code: UInt8, _ r: ClosedRange<Double>) -> SoundParameter {
        SoundParameter(name: name, code: code, low: r.lowerBound, high: r.upperBound, family: "subtractive")
    }

    /// Codes 0...31 subtractive, 32...63 FM, 64... drum kit (64 + 3 × piece + tune/decay/tone).
    public static let all: [SoundParameter] = {
        var all: [SoundParameter] = [
            synth("cutoff", 0, 20...20000), synth("resonance", 1, 0...1), synth("env_amount", 2, 0...6),
            synth("key_track", 3, 0...1), synth("attack", 4, 0...10), synth("decay", 5, 0.001...10),
            synth("sustain", 6, 0...1), synth("release", 7, 0.001...20), synth("detune", 8, 0...100),
            synth("width", 9, 0.05...0.95), synth("noise", 10, 0...1), synth("lfo_rate", 11, 0.01...40),
            synth("lfo_pitch", 12, 0...1200), synth("lfo_cutoff", 13, 0...4), synth("lfo_width", 14, 0...0.45),
            synth("glide", 15, 0...5), synth("spread", 16, 0...100),
        ]
        for op in 0..<4 {
            all.append(SoundParameter(name: "ratio\(op + 1)", code: UInt8(32 + op), low: 0.125, high: 32, family: "fm"))
            all.append(SoundParameter(name: "level\(op + 1)", code: UInt8(36 + op), low: 0, high: 16, family: "fm"))
        }
        all.append(SoundParameter(name: "feedback", code: 40, low: 0, high: 1, family: "fm"))
        for (i, piece) in DrumKitSettings.pieces.enumerated() {
            let base = UInt8(64 + 3 * i)
            all.append(SoundParameter(name: piece + "_tune", code: base, low: -24, high: 24, family: "drumkit"))
            all.append(SoundParameter(name: piece + "_decay", code: base + 1, low: 0.1, high: 10, family: "drumkit"))
            all.append(SoundParameter(name: piece + "_tone", code: base + 2, low: 0, high: 1, family: "drumkit"))
        }
        return all
    }()

    /// The parameter `name` of an instrument family, if it has one.
    public static func named(_ name: String, family: String) -> SoundParameter? {
        all.first { $0.name == name && $0.family == family }
    }

    /// Every parameter of an instrument family (SoundFont parts have none).
    public static func of(family: String) -> [SoundParameter] { all.filter { $0.family == family } }
}
