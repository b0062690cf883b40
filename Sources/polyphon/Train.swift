import ArgumentParser
import Ensemble
import Foundation
import Music
import StyleTraining

/// `polyphon train`: counts a role's style from standard MIDI files into a `.style` model.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a style model (lead, bass, drums or harmony) from standard MIDI files.",
        discussion: """
        lead: the highest pitched voice of each file; bass: the lowest; drums: channel 10; \
        harmony: chords per beat from all pitched notes, relative to the key signature (or an \
        estimated key). Files in meters other than 4/4, 2/2 and 2/4 are skipped (lead, bass, drums). \
        Directories are searched for .mid files.
        """)

    @Option(help: "lead, bass, drums, harmony or texture (a texture part learns from the top line, as a lead does).") var role: String
    @Option(name: .shortAndLong, help: "Model file to write (.style).") var output: String
    @Option(help: "Longest context, in past steps.") var order: Int = 4
    @Option(help: "Contexts seen fewer times than this are dropped.") var minCount: Int = 2
    @Option(help: "Where the music came from, for the file header.") var source: String?
    @Argument(help: "MIDI files or directories of them.") var files: [String]

    func run() throws {
        guard let role = Role(rawValue: role) else {
            throw ValidationError("--role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", ")), not '\(self.role)'")
        }
        guard (1...8).contains(order) else { throw ValidationError("--order must be 1...8") }
        let paths = try midiPaths(files)
        guard !paths.isEmpty else { throw ValidationError("no .mid files in \(files.joined(separator: " "))") }
        var model = StyleModel(role: role, order: order)
        var used = 0, unreadable = 0, skipped = 0
        for path in paths {
            let file: MIDIFile
            do { file = try MIDIFile(contentsOf: path) } catch {
                unreadable += 1
                FileHandle.standardError.write(Data("skipping \(error)\n".utf8))
                continue
            }
            switch role {
            case .lead, .bass, .texture:
                guard let line = file.melody(role == .lead ? .highest : .lowest) else { skipped += 1; continue }
                model.learn(melody: line.steps)
            case .drums:
                guard let groove = file.groove() else { skipped += 1; continue }
                model.learn(groove: groove)
            case .harmony:
                let p = file.progression()
                guard p.chords.count >= 2 else { skipped += 1; continue }
                model.learn(progression: p.chords, minor: p.minor)
            }
            used += 1
        }
        guard used > 0 else { throw ValidationError("no file had a usable \(role.rawValue) part (\(skipped) skipped, \(unreadable) unreadable)") }
        model.prune(minCount: minCount)
        model.setSource(files: used, source: source ?? "\(used) MIDI files")
        try model.write(to: output)
        let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        print(model.summary)
        print("\(used) files used, \(skipped) skipped (meter or no \(role.rawValue) part), \(unreadable) unreadable; wrote \(output) (\(size / 1024) KB)")
    }
}

/// `polyphon style-report`: the evaluation figures for a melodic model, and the held-out set they use.
struct StyleReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "style-report",
        abstract: "Evaluate a lead/bass style model on held-out melodies, or export held-out melodies from MIDI files.")

    @Option(help: "Style model to evaluate.") var model: String = "Patches/models/fiddle-lead.style"
    @Option(help: "Held-out melodies (text, one tune a line).") var heldout: String = "Tests/EnsembleTests/Resources/heldout-fiddle.txt"
    @Option(help: "Bars of each tune given as the prompt.") var promptBars: Int = 4
    @Option(help: "Bars of each tune in all.") var bars: Int = 8
    @Option(help: "Generations per tune.") var takes: Int = 5
    @Option var seed: UInt64 = 1
    @Option(help: "Instead of evaluating, write the first --bars bars of these MIDI files' top voices to --heldout.")
    var export: [String] = []
    @Option(help: "With --export: the voice to take, lead (highest) or bass (lowest).") var voice: String = "lead"
    @Option(help: "Instead of evaluating, print this many bars the model plays (any role).") var sample: Int?
    @Option(help: "With --sample: the key of a lead or bass line.") var key: String = "D major"

    func run() throws {
        if !export.isEmpty {
            guard voice == "lead" || voice == "bass" else { throw ValidationError("--voice must be lead or bass") }
            var lines = ["# Held-out \(voice) lines: the first \(bars) bars of public-domain tunes (music21 corpus), never trained on.",
                         "# tune NAME | KEY | FIRST MIDI PITCH | STEPS (interval/sixteenths@position, r = rest)"]
            for path in try midiPaths(export) {
                let file = try MIDIFile(contentsOf: path)
                guard let line = file.melody(voice == "lead" ? .highest : .lowest) else { continue }
                let k = file.key()
                let key = Key(tonic: PitchClass(k.tonic), mode: k.minor ? .aeolian : .ionian)
                let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
                let tune = HeldOutTune(name: name, key: key, firstPitch: line.firstPitch, steps: line.steps)
                lines.append(HeldOutTune(name: name, key: key, firstPitch: line.firstPitch, steps: tune.bars(bars)).line)
            }
            try (lines.joined(separator: "\n") + "\n").write(toFile: heldout, atomically: true, encoding: .utf8)
            print("wrote \(lines.count - 2) tunes to \(heldout)")
            return
        }
        let m = try StyleModel.load(contentsOf: model)
        if let sample {
            guard let k = Key(parsing: key, defaultMode: .ionian) else { throw ValidationError("--key: not a key: '\(key)'") }
            print(m.summary)
            print(StyleSample.text(m, bars: sample, key: k, seed: seed))
            return
        }
        guard let text = try? String(contentsOfFile: heldout, encoding: .utf8) else { throw ValidationError("cannot read '\(heldout)'") }
        let tunes = try HeldOutTune.parse(text, file: heldout)
        print(m.summary)
        print(StyleEvaluation.run(model: m, tunes: tunes, promptBars: promptBars, totalBars: bars, seed: seed, takes: takes))
    }
}

/// Files as given, and the .mid files inside any directories, sorted so training is repeatable.
func midiPaths(_ items: [String]) throws -> [String] {
    var out: [String] = []
    for item in items {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: item, isDirectory: &isDir) else { throw ValidationError("no such file: '\(item)'") }
        if isDir.boolValue {
            let names = try FileManager.default.contentsOfDirectory(atPath: item)
            out += names.filter { $0.lowercased().hasSuffix(".mid") || $0.lowercased().hasSuffix(".midi") }.sorted()
                .map { (item as NSString).appendingPathComponent($0) }
        } else {
            out.append(item)
        }
    }
    return out
}
