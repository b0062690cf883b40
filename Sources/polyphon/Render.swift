import ArgumentParser
import Control
import Engine
import Ensemble
import Foundation
import Music
import ShowFiles
import StyleTraining

/// `polyphon render`: the same engine offline, to a WAV file, with optional cue file and event log.
struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Render a patch offline to a 32-bit float WAV file (no JACK).")

    @Option(help: "Length in seconds.") var seconds: Double = 30
    @Option(help: "Seed for every random choice (default: the patch's).") var seed: UInt64?
    @Option(help: "Patch file.") var patch: String = "Patches/default.patch"
    @Option(help: "Cue file to play during the render.") var cues: String?
    @Option(help: "Seconds a 'wait go' in the cue file holds before the render goes on.") var goAfter: Double = 4
    @Option(help: "Write the note event stream (CSV) here.") var events: String?
    @Option(help: "Sample rate in Hz.") var rate: Int = 48000
    @Option(help: "Also write one post-fader WAV per agent (AGENT.wav) into this directory.") var stems: String?
    @Option(name: .customLong("continue"),
            help: "Continue this standard MIDI file in its style: its tempo and key, models that learned its melody, bass, groove and harmony, and a lead that carries on from its last notes.")
    var continuing: String?
    @Option(help: "Play this standard MIDI file as the live player (as if on the MIDI input), to preview call and response.")
    var player: String?
    @Option(help: "Write what the band played as a standard MIDI file (one track per agent).") var midi: String?
    @Argument(help: "Output WAV file.") var output: String

    func run() throws {
        var p = try loadPatch(patch)
        if let seed { p.seed = seed }
        if let continuing { try continuePiece(continuing, patch: &p) }
        let heard = try player.map { try playerNotes($0) } ?? []
        let store = ParameterStore(p.initialSteering)
        var player: CuePlayback?
        if let cues {
            let list = try loadCueList(cues)
            let script: CueScript
            do { script = try list.compile(agentNames: p.agents.map(\.spec.name), steering: p.initialSteering) } catch {
                throw ValidationError(error.description)
            }
            player = CuePlayback(sampleRate: Double(rate), autoGo: goAfter)
            player?.play(script)
        }
        let log = EventLog(agentNames: p.agents.map(\.spec.name))
        var sink: (@Sendable (NoteRecord) -> Void)? = nil
        if events != nil || midi != nil { sink = { @Sendable r in log.append(r) } }
        let audio = OfflineRender(patch: p, sampleRate: Double(rate))
            .runWithStems(seconds: seconds, store: store, cueSource: player, player: heard, onNote: sink, stems: stems != nil)
        try WaveFile.write(path: output, left: audio.left, right: audio.right, sampleRate: rate)
        if let stems {
            try FileManager.default.createDirectory(atPath: stems, withIntermediateDirectories: true)
            for (agent, stem) in zip(p.agents, audio.stems) {
                try WaveFile.write(path: stems + "/" + agent.spec.name + ".wav", left: stem.left, right: stem.right, sampleRate: rate)
            }
        }
        if let events { try log.csv(sampleRate: Double(rate)).write(toFile: events, atomically: true, encoding: .utf8) }
        if let midi { try midiFile(of: log.all, patch: p).write(to: midi) }
        let peak = max(audio.left.map(abs).max() ?? 0, audio.right.map(abs).max() ?? 0)
        print("rendered \(seconds) s of '\(p.name)' (seed \(p.seed)) to \(output); peak \(String(format: "%.2f", 20 * log10(Double(max(peak, 1e-9))))) dBFS")
    }
}

extension Render {
    /// Sets the patch up to continue `path`: the piece's tempo and key (its mode pinned), and
    /// each part's model retrained on the piece on top of the patch's own.
    func continuePiece(_ path: String, patch p: inout Patch) throws {
        let file: MIDIFile
        do { file = try MIDIFile(contentsOf: path) } catch { throw ValidationError("\(error)") }
        func style(_ role: Role) -> StyleModel? { p.agents.first { $0.spec.role == role }?.spec.style }
        let piece = PieceStyle(file: file, lead: style(.lead), bass: style(.bass), drums: style(.drums),
                               harmony: p.styleModels.harmony)
        guard piece.lead != nil else { throw ValidationError("\(path): no melody to continue (a pitched part of 8 or more notes in 4/4 or 2/4)") }
        p.tempo = min(max(piece.tempo, Steering.tempoRange.lowerBound), Steering.tempoRange.upperBound)
        p.tonic = piece.key.tonic
        p.modeOverride = piece.key.mode
        for i in p.agents.indices {
            switch p.agents[i].spec.role {
            case .lead: p.agents[i].spec.style = piece.lead
            case .bass: p.agents[i].spec.style = piece.bass ?? p.agents[i].spec.style
            case .drums: p.agents[i].spec.style = piece.drums ?? p.agents[i].spec.style
            case .harmony, .texture: break
            }
        }
        p.styleModels.harmony = piece.harmony
        p.styleModels.leadPrompt = piece.prompt
        p.styleModels.leadPromptPitch = piece.lastPitch
        print("continuing \(path): \(String(format: "%.0f", piece.tempo)) BPM, \(piece.key), \(String(format: "%.0f", piece.length)) beats long")
    }

    /// The player's notes from a MIDI file, on the audio clock at the file's own tempo.
    func playerNotes(_ path: String) throws -> [PlayerEvent] {
        let file: MIDIFile
        do { file = try MIDIFile(contentsOf: path) } catch { throw ValidationError("\(error)") }
        let seconds = 60 / (file.tempos.first?.bpm ?? 120)
        return file.allNotes.filter { !$0.isDrum }.flatMap { n -> [PlayerEvent] in
            let on = Int64(n.onset * seconds * Double(rate)), off = Int64((n.onset + n.duration) * seconds * Double(rate))
            let pitch = UInt8(clamping: n.pitch), velocity = UInt8(clamping: max(1, n.velocity))
            return [PlayerEvent(frame: on, note: pitch, velocity: velocity, isOn: true),
                    PlayerEvent(frame: max(on + 1, off), note: pitch, velocity: 0, isOn: false)]
        }
    }

    /// The band's notes as a format-1 MIDI file: one track per agent, drums on channel 10.
    func midiFile(of records: [NoteRecord], patch p: Patch) -> MIDIFile {
        let tracks = p.agents.indices.map { i -> MIDIFile.Track in
            let channel = p.agents[i].spec.role == .drums ? 9 : min(15, i < 9 ? i : i + 1)
            let notes = records.filter { $0.agent == i }.map {
                MIDIFile.Note(pitch: $0.pitch, velocity: max(1, min(127, Int($0.velocity * 127))), channel: channel,
                              onset: $0.beat, duration: max(0.05, $0.length))
            }
            return MIDIFile.Track(name: p.agents[i].spec.name, notes: notes)
        }
        return MIDIFile(tracks: tracks, tempos: [MIDIFile.TempoChange(microsecondsPerBeat: Int(60_000_000 / p.tempo))],
                        timeSignatures: [MIDIFile.TimeSignature(numerator: 4, denominator: 4)])
    }
}
