import Engine
import Foundation

enum TestPatches {
    /// The repository root, found from this file's path.
    static var root: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    static func defaultPatch() throws -> Patch {
        let path = root + "/Patches/default.patch"
        return try Patch(file: path, text: String(contentsOfFile: path, encoding: .utf8))
    }
}

extension TestPatches {
    /// A patch exercising every voice feature and effect: unison with LFO vibrato and PWM, glide,
    /// noise, band- and high-pass filters, timbre morphs, sends to both buses, the compressor.
    static let everything = #"""
    [band]
    name = "Everything"
    tempo = 124
    seed = 7

    [reverb]
    size = 0.7
    damping = 0.5

    [delay]
    division = "1/8."
    feedback = 0.4

    [compressor]
    threshold = -16
    ratio = 3

    [agent.drums]
    role = "drums"
    kick_tune = -2
    snare_decay = 1.5
    open_hat_tone = 0.7
    reverb = 0.15

    [agent.drums.morph]
    kick_tune = 3
    snare_decay = 0.6

    [agent.bass]
    role = "bass"
    wave = "pulse"
    wave2 = "saw"
    width = 0.3
    lfo_width = 0.2
    lfo_rate = 0.5
    glide = 0.06
    polyphony = 1
    filter = "lowpass"
    delay = 0.1

    [agent.bass.morph]
    cutoff = 2400
    width = 0.6

    [agent.chords]
    role = "harmony"
    wave = "saw"
    unison = 3
    spread = 18
    lfo_shape = "triangle"
    lfo_pitch = 12
    lfo_cutoff = 0.5
    polyphony = 4
    filter = "bandpass"
    reverb = 0.4

    [agent.chords.morph]
    wave = "square"
    cutoff = 600
    resonance = 0.6
    attack = 0.2
    release = 0.8

    [agent.keys]
    role = "harmony"
    instrument = "fm"
    preset = "electric-piano"
    algorithm = "two-stacks"
    ratio4 = 14
    polyphony = 6
    reverb = 0.3
    pan = 0.4

    [agent.keys.morph]
    ratio2 = 3.5
    ratio4 = 5.19
    level2 = 2.6
    feedback = 0.3

    [agent.lead]
    role = "lead"
    wave = "square"
    wave2 = "noise"
    noise = 0.1
    lfo_shape = "sample-and-hold"
    lfo_pitch = 20
    filter = "highpass"
    cutoff = 300
    polyphony = 2
    reverb = 0.3
    delay = 0.3
    """#

    static func everythingPatch() throws -> Patch { try Patch(file: "everything.patch", text: everything) }
}

/// A command by address, for tests (the address must be in the control table).
func cmd(_ address: String, _ agent: String? = nil, _ value: ControlValue) -> Command {
    guard let c = Command(address, agent: agent, value) else { preconditionFailure("no control \(address)") }
    return c
}

/// Commands at a frame, for tests.
func at(_ frame: Int64, _ commands: Command...) -> TimedCommands { TimedCommands(frame: frame, commands) }
