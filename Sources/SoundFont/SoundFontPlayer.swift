import CFluidSynth
import Realtime

/// One acoustic instrument (a preset of a SoundFont) played through libfluidsynth, on MIDI channel 0
/// of a synth of its own.
///
/// Threads: `init` and `deinit` run on a control thread; every other method runs on the audio
/// thread, which is then the synth's only caller. That is why the synth is made with
/// `synth.threadsafe-api = 0`: fluidsynth's API mutex only guards against two threads calling at
/// once, which cannot happen here, and leaving it on would put a lock in every note and render call.
/// The owner must never let the last reference go on the audio thread (hold it through
/// `Unmanaged` and retire it to a control thread, as `Stage` does with renderers).
///
/// Allocation-free on the audio thread by configuration: all samples are read and locked in memory
/// at load (`synth.dynamic-sample-loading = 0`, `synth.lock-memory = 1`), the voice pool is fixed
/// (`synth.polyphony`), stealing reuses pooled voices, no mixer threads (`synth.cpu-cores = 1`),
/// fluidsynth's own reverb and chorus are off (Polyphon has its own send buses), and fluidsynth's
/// warning/info/debug log is silenced, so no `fprintf` (which locks `stderr`) can run mid-render.
/// `init` then plays every voice once into scratch buffers, so the audio thread takes no page
/// faults either. Tests/SoundFontTests count all four (allocations, locks, retains, faults): 0.
///
/// Timing: fluidsynth computes in 64-frame blocks and keeps the rest of a block for the next
/// `render`, so a note sounds from the first 64-frame boundary (of this player's rendered frames)
/// at or after the frame it was played at — up to 63 frames late, identically however the host
/// splits its blocks.
///
/// Held from a POD track without ARC on the audio thread:
/// ```swift
/// // control thread
/// let player = Unmanaged.passRetained(try SoundFontPlayer(path: p, sampleRate: 48000, polyphony: 32, program: 56))
/// // audio thread
/// player._withUnsafeGuaranteedRef { $0.noteOn(60, velocity: 0.8) }
/// player._withUnsafeGuaranteedRef { $0.render(left: l, right: r, count: n) }
/// // control thread, after the audio thread has let go of the track
/// player.release()
/// ```
public final class SoundFontPlayer: @unchecked Sendable {
    public let path: String
    public let sampleRate: Float
    public let polyphony: Int
    public let program: Int
    public let bank: Int
    /// The preset's name as the font spells it ("Yamaha Grand Piano").
    public let presetName: String
    private let settings: OpaquePointer
    private let synth: OpaquePointer

    /// fluidsynth's master gain. Its own default (0.2) is for a 16-channel GM mix and leaves a
    /// single instrument at about -27 dBFS per note; 0.35 puts a middle C near -22 dBFS and a
    /// 16-note full-velocity piano chord over five octaves near -2.5 dBFS, before the track's gain.
    public static let defaultGain: Float = 0.35

    /// Loads the font fully and selects `bank`/`program` on channel 0. Bank 128 is GM percussion.
    /// - Throws: `SoundFontError` naming the file when it is missing, is not a SoundFont, fails to
    ///   load, or has no such program.
    public init(path: String, sampleRate: Float, polyphony: Int, program: Int, bank: Int = 0,
                gain: Float = SoundFontPlayer.defaultGain) throws {
        guard sampleRate >= 8000, sampleRate <= 96000 else { throw SoundFontError.sampleRateOutOfRange(sampleRate) }
        guard (1...4096).contains(polyphony) else { throw SoundFontError.polyphonyOutOfRange(polyphony) }
        guard (0...127).contains(program), (0...128).contains(bank) else {
            throw SoundFontError.noSuchProgram(path: path, bank: bank, program: program)
        }
        guard SoundFontFile.isReadable(path) else { throw SoundFontError.fileNotFound(path) }
        guard fluid_is_soundfont(path) != 0 else { throw SoundFontError.notASoundFont(path) }
        SoundFontFile.quietLog()

        guard let settings = new_fluid_settings() else { throw SoundFontError.outOfMemory(path) }
        let choices: [(String, Int32)] = [
            ("synth.threadsafe-api", 0),
            ("synth.dynamic-sample-loading", 0),
            ("synth.lock-memory", 1),
            ("synth.cpu-cores", 1),
            ("synth.reverb.active", 0),
            ("synth.chorus.active", 0),
            ("synth.verbose", 0),
            ("synth.polyphony", Int32(polyphony)),
        ]
        for (name, value) in choices where fluid_settings_setint(settings, name, value) != FLUID_OK {
            delete_fluid_settings(settings)
            throw SoundFontError.settingRefused(name)
        }
        for (name, value) in [("synth.sample-rate", Double(sampleRate)), ("synth.gain", Double(gain))]
        where fluid_settings_setnum(settings, name, value) != FLUID_OK {
            delete_fluid_settings(settings)
            throw SoundFontError.settingRefused(name)
        }
        guard let synth = new_fluid_synth(settings) else {
            delete_fluid_settings(settings)
            throw SoundFontError.outOfMemory(path)
        }
        let fontID = fluid_synth_sfload(synth, path, 1)
        guard fontID != FLUID_FAILED, let font = fluid_synth_get_sfont_by_id(synth, fontID) else {
            delete_fluid_synth(synth)
            delete_fluid_settings(settings)
            throw SoundFontError.loadFailed(path)
        }
        guard let preset = fluid_sfont_get_preset(font, Int32(bank), Int32(program)) else {
            delete_fluid_synth(synth)
            delete_fluid_settings(settings)
            throw SoundFontError.noSuchProgram(path: path, bank: bank, program: program)
        }
        presetName = fluid_preset_get_name(preset).map { String(cString: $0) } ?? "program \(program)"
        if bank == 128 { fluid_synth_set_channel_type(synth, 0, Int32(CHANNEL_TYPE_DRUM.rawValue)) }
        guard fluid_synth_program_select(synth, 0, fontID, Int32(bank), Int32(program)) == FLUID_OK else {
            delete_fluid_synth(synth)
            delete_fluid_settings(settings)
            throw SoundFontError.noSuchProgram(path: path, bank: bank, program: program)
        }
        self.path = path
        self.sampleRate = sampleRate
        self.polyphony = polyphony
        self.program = program
        self.bank = bank
        self.settings = settings
        self.synth = synth
        warmUp()
    }

    /// Touches every voice and mixer buffer once, here on the control thread, so the audio thread's
    /// first notes and renders take no page faults (measured: a few without this, none with it).
    /// Plays `polyphony` notes across the keyboard into scratch buffers, then silences them.
    private func warmUp() {
        let frames = 64
        let left = UnsafeMutablePointer<Float>.allocate(capacity: frames)
        let right = UnsafeMutablePointer<Float>.allocate(capacity: frames)
        defer { left.deallocate(); right.deallocate() }
        left.initialize(repeating: 0, count: frames)
        right.initialize(repeating: 0, count: frames)
        for i in 0..<polyphony { noteOn(UInt8(21 + (i * 37) % 88), velocity: 1) }
        for _ in 0..<4 { render(left: left, right: right, count: frames) }
        allSoundsOff()
        var blocks = 0
        repeat {
            render(left: left, right: right, count: frames)
            blocks += 1
        } while activeVoices > 0 && blocks < 64
    }

    /// Control thread only: frees the synth's voices and buffers (the font's sample data stays in
    /// fluidsynth's process-wide cache while another player uses the same file).
    deinit {
        delete_fluid_synth(synth)
        delete_fluid_settings(settings)
    }

    // MARK: audio thread

    /// Starts `note` (MIDI 0...127) at `velocity` 0...1. A velocity of 0 or less (or NaN) plays nothing.
    @_noAllocation @_noLocks
    public func noteOn(_ note: UInt8, velocity: Float) {
        guard note < 128, velocity > 0 else { return }
        let v = velocity < 1 ? velocity : 1
        let midi = Int32(v * 126 + 1.5)   // 1...127: 0 would mean note-off to MIDI
        let synth = self.synth
        _unsafePerformance { _ = fluid_synth_noteon(synth, 0, Int32(note), midi) }
    }

    /// Releases `note`; its sound decays through the preset's release.
    @_noAllocation @_noLocks
    public func noteOff(_ note: UInt8) {
        guard note < 128 else { return }
        let synth = self.synth
        _unsafePerformance { _ = fluid_synth_noteoff(synth, 0, Int32(note)) }
    }

    /// Releases every sounding note (each decays through its release).
    @_noAllocation @_noLocks
    public func allNotesOff() {
        let synth = self.synth
        _unsafePerformance { _ = fluid_synth_all_notes_off(synth, 0) }
    }

    /// Silences every voice at once, for panic.
    @_noAllocation @_noLocks
    public func allSoundsOff() {
        let synth = self.synth
        _unsafePerformance { _ = fluid_synth_all_sounds_off(synth, 0) }
    }

    /// Adds `count` frames of the instrument into `left` and `right` (it never overwrites them).
    @_noAllocation @_noLocks
    public func render(left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        let synth = self.synth
        _unsafePerformance { _ = polyphon_fluid_add_stereo(synth, Int32(count), left, right) }
    }

    /// Voices sounding now, including releasing ones. Audio thread only, like every call after init:
    /// another thread that wants the figure reads what the audio thread publishes.
    public var activeVoices: Int {
        @_noAllocation @_noLocks get {
            let synth = self.synth
            return _unsafePerformance { Int(fluid_synth_get_active_voice_count(synth)) }
        }
    }
}
