import Foundation
import SoundFont

/// A SoundFont preset as a patch chooses it: which font, which bank and program, how many
/// fluidsynth voices. The font itself is loaded when the renderer is built (control thread);
/// the patch only checks that the file is there and is a SoundFont, so `patch check` stays fast.
public struct SoundFontSettings: Sendable, Equatable {
    /// Absolute (or working-directory relative) path to the .sf2/.sf3 file.
    public var font: String
    /// General MIDI program 0...127.
    public var program: Int
    /// 0 for melodic presets; 128 is the General MIDI drum kit.
    public var bank: Int
    /// fluidsynth voices. Many GM presets play two or more voices per note (stereo samples,
    /// layers), so this is larger than the synth instruments' note polyphony.
    public var polyphony: Int
    /// How much the agents' velocity (0...1) moves the note's MIDI velocity: 1 passes it
    /// straight through, 0 plays every note at full velocity. GM presets follow the steep
    /// SoundFont velocity curve (a velocity of 0.3 is about 20 dB below 1), which would bury
    /// a calm mood's soft notes; the default keeps half of the agent's dynamics.
    public var velocity: Float

    public static let defaultPolyphony = 64
    /// fluidsynth's master gain for an agent's preset: twice the player's stand-alone default,
    /// so a GM part at the agents' usual velocities sits near the synth parts at the same
    /// `gain` (measured with `render --stems`); the master limiter catches full-velocity chords.
    public static let playerGain: Float = 0.7
    public static let defaultVelocity: Float = 0.5

    public init(font: String, program: Int = 0, bank: Int = 0, polyphony: Int = SoundFontSettings.defaultPolyphony,
                velocity: Float = SoundFontSettings.defaultVelocity) {
        self.font = font
        self.program = program
        self.bank = bank
        self.polyphony = polyphony
        self.velocity = velocity
    }

    /// Why `path` cannot be used as a SoundFont, or nil when it can. Reads only the 12-byte
    /// RIFF header (`RIFF`, size, `sfbk`), never the samples.
    static func headerProblem(_ path: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
              let handle = FileHandle(forReadingAtPath: path) else {
            return "no readable SoundFont file at \(path)"
        }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 12)) ?? Data()
        guard header.count == 12, header.prefix(4) == Data("RIFF".utf8), header.suffix(4) == Data("sfbk".utf8) else {
            return "\(path) is not a SoundFont (expected a RIFF 'sfbk' header, as .sf2 and .sf3 files have)"
        }
        return nil
    }

    /// `path` as written in the patch, resolved against the patch file's folder when relative.
    static func resolve(_ path: String, patchFile: String) -> String {
        if path.hasPrefix("/") || patchFile == Patch.builtInName { return path }
        if path.hasPrefix("~") { return (path as NSString).expandingTildeInPath }
        return URL(fileURLWithPath: patchFile).deletingLastPathComponent().appendingPathComponent(path).standardizedFileURL.path
    }
}

extension PatchReader {
    static let soundFontKeys = ["program", "bank", "font", "polyphony", "velocity"]

    /// Reads a `instrument = "soundfont"` agent's sound keys. `instrument` is the entry that chose
    /// it (where a missing default font is reported); drums agents default to the GM kit (bank 128).
    mutating func readSoundFont(_ sound: [SettingsDocument.Entry], label: String, known: [String], drums: Bool,
                                instrument: SettingsDocument.Entry?, section: SettingsDocument.Section) -> SoundFontSettings? {
        let before = errors.count
        var program = 0
        var bank: Int?
        var bankEntry: SettingsDocument.Entry?
        var polyphony = SoundFontSettings.defaultPolyphony
        var velocity = SoundFontSettings.defaultVelocity
        var font: String?
        for e in sound {
            switch e.key {
            case "program":
                switch e.value {
                case .number(let n):
                    if n.rounded() == n, (0...127).contains(n) { program = Int(n) }
                    else { fail(e.line, e.valueColumn, "'program' expects a General MIDI program number 0...127 or name, found \(n)") }
                case .string(let s):
                    if let p = GeneralMIDI.program(named: s) { program = p } else {
                        fail(e.line, e.valueColumn, "'program' expects a General MIDI program name (such as \"acoustic grand piano\", \"strings\", \"flute\", \"trumpet\") or a number 0...127, found unknown program \"\(s)\"")
                    }
                case .bool:
                    fail(e.line, e.valueColumn, "'program' expects a General MIDI program name in quotes or a number 0...127, found true or false")
                }
            case "bank":
                if let n = number(e, 0...128) {
                    if n.rounded() == n { bank = Int(n); bankEntry = e }
                    else { fail(e.line, e.valueColumn, "'bank' expects a whole number (0, or 128 for the General MIDI drum kit), found \(n)") }
                }
            case "polyphony":
                if let n = number(e, 1...256) { polyphony = Int(n) }
            case "velocity":
                if let n = number(e, 0...1) { velocity = Float(n) }
            case "font":
                guard let s = string(e, expected: "a SoundFont file path (.sf2 or .sf3)") else { continue }
                let path = SoundFontSettings.resolve(s, patchFile: file)
                if let problem = SoundFontSettings.headerProblem(path) { fail(e.line, e.valueColumn, "'font': \(problem)") }
                else { font = path }
            default:
                unknown(e, in: label, known: known + PatchReader.soundFontKeys)
            }
        }
        if drums, let bank, bank != 128, let e = bankEntry {
            fail(e.line, e.valueColumn, "a drums agent plays the General MIDI drum kit: 'bank' expects 128, found \(bank)")
        }
        if font == nil, !sound.contains(where: { $0.key == "font" }) {
            font = SoundFontPlayer.defaultFontPath()
            if font == nil {
                let line = instrument?.line ?? section.line, column = instrument?.valueColumn ?? section.column
                fail(line, column, "instrument \"soundfont\" found no General MIDI SoundFont installed (apt-get install fluid-soundfont-gm); set 'font' to an .sf2 file")
            }
        }
        guard errors.count == before, let font else { return nil }
        return SoundFontSettings(font: font, program: program, bank: bank ?? (drums ? 128 : 0), polyphony: polyphony,
                                 velocity: velocity)
    }
}
