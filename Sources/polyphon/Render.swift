import ArgumentParser
import Control
import Engine
import Foundation

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
    @Argument(help: "Output WAV file.") var output: String

    func run() throws {
        var p = try loadPatch(patch)
        if let seed { p.seed = seed }
        let store = ParameterStore(p.initialSteering)
        var player: CuePlayer?
        if let cues {
            let list = try loadCueList(cues)
            do { try list.check(against: p) } catch { throw ValidationError(error.description) }
            player = CuePlayer(router: CommandRouter(store: store, agentNames: p.agents.map(\.spec.name)),
                               sampleRate: Double(rate), autoGo: goAfter)
            player?.play(list)
        }
        let log = EventLog(agentNames: p.agents.map(\.spec.name))
        var sink: (@Sendable (NoteRecord) -> Void)? = nil
        if events != nil { sink = { @Sendable r in log.append(r) } }
        let audio = OfflineRender(patch: p, sampleRate: Double(rate))
            .runWithStems(seconds: seconds, store: store, cueSource: player, onNote: sink, stems: stems != nil)
        try WaveFile.write(path: output, left: audio.left, right: audio.right, sampleRate: rate)
        if let stems {
            try FileManager.default.createDirectory(atPath: stems, withIntermediateDirectories: true)
            for (agent, stem) in zip(p.agents, audio.stems) {
                try WaveFile.write(path: stems + "/" + agent.spec.name + ".wav", left: stem.left, right: stem.right, sampleRate: rate)
            }
        }
        if let events { try log.csv(sampleRate: Double(rate)).write(toFile: events, atomically: true, encoding: .utf8) }
        let peak = max(audio.left.map(abs).max() ?? 0, audio.right.map(abs).max() ?? 0)
        print("rendered \(seconds) s of '\(p.name)' (seed \(p.seed)) to \(output); peak \(String(format: "%.2f", 20 * log10(Double(max(peak, 1e-9))))) dBFS")
    }
}

/// Reads a patch, turning file problems and patch errors into messages for the terminal.
func loadPatch(_ path: String) throws -> Patch {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        throw ValidationError("cannot read patch file '\(path)'")
    }
    do {
        return try Patch(file: path, text: text)
    } catch {
        throw ValidationError("\(error.description)")
    }
}

func loadCueList(_ path: String) throws -> CueList {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        throw ValidationError("cannot read cue file '\(path)'")
    }
    do {
        return try CueList(file: path, text: text)
    } catch {
        throw ValidationError("\(error.description)")
    }
}
