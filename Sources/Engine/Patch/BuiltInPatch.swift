import Foundation

/// The default patch, built in: what Polyphon plays when the configured patch is missing or
/// broken, so an installation is never silent for want of a file. It is `Patches/default.patch`
/// word for word (a test keeps them equal).
extension Patch {
    public static let builtInName = "built-in default patch"

    public static let builtInText = #"""
# Polyphon default patch: a small electronic band (drums, bass, chords, lead).
# Format: [section] headers and `key = value` lines; see docs/patches.md.

[band]
name = "Night Shift"
tempo = 112
key = "A"          # tonic; the mood picks the mode (write "A dorian" to pin it)
mood = "driving"
density = 0.6
seed = 1
harmony_style = "chorale-harmony"   # progressions learned from Bach chorales (Patches/models)

[master]
gain = 1.0
ceiling = -1.0     # dBFS, the limiter never lets a sample past this

[reverb]           # a send effect: agents feed it with `reverb = level`
size = 0.55
damping = 0.45

[delay]            # tempo-synced: the time follows the band tempo
division = "1/8."
feedback = 0.3

[compressor]       # glue on the master, before the limiter
threshold = -14
ratio = 2

[agent.drums]
role = "drums"
style = "grooves-drums"     # hats, ghosts and percussion from the learned grooves
instrument = "drumkit"
gain = 0.75
kick_tune = -1
snare_decay = 0.9
reverb = 0.08

[agent.bass]
role = "bass"
style = "chorale-bass"      # the line between the roots, from chorale bass voices
wave = "saw"
wave2 = "square"
detune = 4
cutoff = 700
resonance = 0.35
env_amount = 2.5
attack = 0.003
decay = 0.18
sustain = 0.5
release = 0.08
polyphony = 2
octave = 2
glide = 0.03
gain = 0.75

[agent.chords]
role = "harmony"
wave = "saw"
detune = 9
cutoff = 1400
resonance = 0.15
env_amount = 1.0
attack = 0.02
decay = 0.6
sustain = 0.55
release = 0.35
polyphony = 12
octave = 4
lfo_shape = "triangle"
lfo_rate = 0.3
lfo_cutoff = 0.3
gain = 0.55
pan = -0.25
reverb = 0.25

[agent.lead]
role = "lead"
style = "fiddle-lead"       # motifs learned from Ryan's and O'Neill's fiddle tunes
wave = "square"
wave2 = "triangle"
detune = 3
cutoff = 2600
resonance = 0.25
env_amount = 1.5
attack = 0.008
decay = 0.3
sustain = 0.45
release = 0.2
polyphony = 3
octave = 5
lfo_rate = 5.5
lfo_pitch = 8      # a light vibrato
gain = 0.7
pan = 0.25
reverb = 0.2
delay = 0.18
"""#

    /// The built-in default, parsed. Nothing from a file or the environment reaches it: its text
    /// is the constant above and its style models are compiled in (`StyleLibrary.builtIn`), and
    /// `BuiltInPatchTests` parses it on every test run. So it does not fail; if an edit ever
    /// broke it anyway, the show gets `silentStandIn` (no agents) instead of a crash loop, and
    /// the error goes to standard error.
    public static var builtIn: Patch {
        do {
            return try parseBuiltIn()
        } catch {
            FileHandle.standardError.write(Data("the \(builtInName) does not parse: \(error)\n".utf8))
            return silentStandIn
        }
    }

    /// The built-in default, or every error in it.
    public static func parseBuiltIn() throws(SourceErrors) -> Patch {
        try Patch(file: builtInName, text: builtInText)
    }

    /// A patch with no agents: the last resort when even the built-in patch is broken.
    static var silentStandIn: Patch { Patch(standIn: builtInName) }

    private init(standIn name: String) {
        self.name = name
    }
}
