import CFluidSynth
#if canImport(Glibc)
import Glibc
#endif

/// Finding a General MIDI font installed by Debian packages, and process-wide fluidsynth set-up.
enum SoundFontFile {
    /// In order of preference: fluid-soundfont-gm, the Debian `default-GM.sf2` alternative,
    /// timgm6mb-soundfont (small), and an sf3 default (musescore-general-soundfont).
    static let candidates = [
        "/usr/share/sounds/sf2/FluidR3_GM.sf2",
        "/usr/share/sounds/sf2/default-GM.sf2",
        "/usr/share/sounds/sf2/TimGM6mb.sf2",
        "/usr/share/sounds/sf3/default-GM.sf3",
    ]

    static func isReadable(_ path: String) -> Bool {
        var info = stat()
        return access(path, R_OK) == 0 && stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// fluidsynth logs through `fprintf(stderr)`, which takes the stream's lock. Its warnings,
    /// info and debug messages could come from the audio thread (e.g. no voice free to steal), so
    /// they are switched off; errors (only from loading, on a control thread) still print.
    /// This is process-wide; it is set before the first synth is made.
    static let quiet: Bool = {
        for level in [FLUID_WARN, FLUID_INFO, FLUID_DBG] { _ = fluid_set_log_function(Int32(level.rawValue), nil, nil) }
        return true
    }()

    static func quietLog() { _ = quiet }
}

extension SoundFontPlayer {
    /// The first General MIDI font found from Debian packages, or nil when none is installed
    /// (`apt-get install fluid-soundfont-gm`).
    public static func defaultFontPath() -> String? {
        SoundFontFile.candidates.first { SoundFontFile.isReadable($0) && fluid_is_soundfont($0) != 0 }
    }
}
