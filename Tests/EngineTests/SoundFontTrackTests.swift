import CAllocCounter
import Engine
import Foundation
import SoundFont
import Testing

/// SoundFont parts in a patch. The rendering tests need a General MIDI font; without one they
/// are skipped with the reason (CI installs fluid-soundfont-gm).
let noFont = "no General MIDI SoundFont installed: apt-get install fluid-soundfont-gm"
let hasFont = SoundFontPlayer.defaultFontPath() != nil

enum SoundFontPatches {
    /// Piano chords, a string section and an acoustic bass, plus the GM drum kit.
    static let chamber = #"""
    [band]
    name = "Chamber"
    tempo = 100
    key = "D"
    mood = "driving"
    density = 0.8
    seed = 5

    [reverb]
    size = 0.6

    [agent.drums]
    role = "drums"
    instrument = "soundfont"
    bank = 128
    gain = 1.0

    [agent.bass]
    role = "bass"
    instrument = "soundfont"
    program = "acoustic bass"
    gain = 1.2

    [agent.piano]
    role = "harmony"
    instrument = "soundfont"
    program = "piano"
    gain = 1.2
    reverb = 0.3

    [agent.strings]
    role = "lead"
    instrument = "soundfont"
    program = 48
    polyphony = 32
    gain = 0.8
    pan = 0.3
    """#

    static func patch() throws -> Patch { try Patch(file: "chamber.patch", text: chamber) }

    /// A file with a SoundFont's RIFF header and nothing else: enough for a patch check, which
    /// never loads the samples.
    static func fakeFont() throws -> String {
        // A file of its own per call: tests run in parallel, and one writing the file while
        // another reads it made a test fail with extra errors now and then.
        let path = NSTemporaryDirectory() + "polyphon-fake-\(getpid())-\(UUID().uuidString.prefix(8)).sf2"
        var bytes = Data("RIFF".utf8)
        bytes.append(contentsOf: [4, 0, 0, 0])
        bytes.append(Data("sfbk".utf8))
        try bytes.write(to: URL(fileURLWithPath: path))
        return path
    }

    static func errors(_ text: String) -> [String] {
        do {
            _ = try Patch(file: "sf.patch", text: text)
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }
}

@Suite struct SoundFontPatchTests {
    @Test func readsProgramBankFontAndPolyphony() throws {
        let font = try SoundFontPatches.fakeFont()
        let p = try Patch(file: "sf.patch", text: """
        [agent.lead]
        role = "lead"
        instrument = "soundfont"
        program = "trumpet"
        font = "\(font)"
        polyphony = 12
        velocity = 0.8

        [agent.kit]
        role = "drums"
        instrument = "soundfont"
        font = "\(font)"
        """)
        #expect(p.agents[0].instrument == .soundFont(SoundFontSettings(font: font, program: 56, bank: 0, polyphony: 12, velocity: 0.8)))
        // A drums agent defaults to the GM kit.
        #expect(p.agents[1].instrument == .soundFont(SoundFontSettings(font: font, program: 0, bank: 128)))
    }

    @Test func relativeFontPathsAreFromThePatchFolder() throws {
        let font = try SoundFontPatches.fakeFont()
        let folder = (font as NSString).deletingLastPathComponent
        let name = (font as NSString).lastPathComponent
        let p = try Patch(file: folder + "/show.patch", text: """
        [agent.keys]
        role = "harmony"
        instrument = "soundfont"
        font = "\(name)"
        """)
        guard case .soundFont(let s) = p.agents[0].instrument else { Issue.record("not a SoundFont"); return }
        #expect(URL(fileURLWithPath: s.font).standardizedFileURL.path == URL(fileURLWithPath: font).standardizedFileURL.path)
    }

    @Test func mistakesNameFileLineAndColumn() throws {
        let font = try SoundFontPatches.fakeFont()
        let notAFont = NSTemporaryDirectory() + "polyphon-not-a-font-\(getpid()).sf2"
        try Data("just some text, not RIFF".utf8).write(to: URL(fileURLWithPath: notAFont))
        let lines = SoundFontPatches.errors("""
        [agent.a]
        role = "lead"
        instrument = "soundfont"
        program = "kazoo"
        font = "\(font)"

        [agent.b]
        role = "bass"
        instrument = "soundfont"
        font = "/nonexistent/polyphon/missing.sf2"

        [agent.c]
        role = "harmony"
        instrument = "soundfont"
        font = "\(notAFont)"
        program = 130

        [agent.d]
        role = "drums"
        instrument = "soundfont"
        font = "\(font)"
        bank = 0
        cutoff = 300
        """)
        #expect(lines.contains { $0.hasPrefix("sf.patch:4:11: error: 'program' expects a General MIDI program name") && $0.contains("\"kazoo\"") })
        #expect(lines.contains("sf.patch:10:8: error: 'font': no readable SoundFont file at /nonexistent/polyphon/missing.sf2"))
        #expect(lines.contains { $0.hasPrefix("sf.patch:15:8: error: 'font': \(notAFont) is not a SoundFont") })
        #expect(lines.contains { $0.hasPrefix("sf.patch:16:11: error: 'program' expects a General MIDI program number 0...127") })
        #expect(lines.contains("sf.patch:22:8: error: a drums agent plays the General MIDI drum kit: 'bank' expects 128, found 0"))
        #expect(lines.contains { $0.hasPrefix("sf.patch:23:1: error: unknown key 'cutoff' in [agent.d]") && $0.contains("program") })
        #expect(lines.count == 6, "\(lines)")
    }

    @Test func aMorphIsRefused() throws {
        let font = try SoundFontPatches.fakeFont()
        let lines = SoundFontPatches.errors("""
        [agent.a]
        role = "lead"
        instrument = "soundfont"
        font = "\(font)"

        [agent.a.morph]
        program = "violin"
        """)
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("sf.patch:6:1: error: [agent.a.morph]: an agent with instrument \"soundfont\" has no timbre morph") == true, "\(lines)")
    }

    @Test func theAcousticPatchLoads() throws {
        let path = TestPatches.root + "/Patches/acoustic.patch"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        if hasFont {
            let p = try Patch(file: path, text: text)
            #expect(p.agents.allSatisfy { $0.instrument.typeName == "soundfont" })
        } else {
            #expect(SoundFontPatches.errors(text).allSatisfy { $0.contains("no General MIDI SoundFont installed") })
        }
    }
}

@Suite(.enabled(if: hasFont, Comment(rawValue: noFont)))
struct SoundFontRenderTests {
    @Test func aChamberEnsembleIsAudibleFiniteAndUnderTheCeiling() throws {
        let patch = try SoundFontPatches.patch()
        let out = OfflineRender(patch: patch).runWithStems(seconds: 8)
        let all = out.left + out.right
        let finite = all.allSatisfy { $0.isFinite }
        #expect(finite)
        let peak = all.map(abs).max()!
        let ceiling = Float(pow(10, patch.ceilingDB / 20))
        #expect(peak <= ceiling * 1.0001, "peak \(peak), ceiling \(ceiling)")
        // Every part is heard: each stem's RMS above -50 dBFS (an idle part is silent).
        for (agent, stem) in zip(patch.agents, out.stems) {
            let rms = (stem.left.reduce(0) { $0 + $1 * $1 } / Float(stem.left.count)).squareRoot()
            print("\(agent.spec.name): stem RMS \(20 * log10(max(rms, 1e-9))) dBFS")
            #expect(rms > 0.003, "\(agent.spec.name) stem RMS \(rms)")
        }
    }

    /// fluidsynth starts notes on its own 64-frame grid; the track renders its player every
    /// chunk, so that grid stays on the renderer's clock whatever the block size.
    @Test func samplesDoNotDependOnTheBlockSize() throws {
        let patch = try SoundFontPatches.patch()
        let reference = OfflineRender(patch: patch, blockSize: 64).run(seconds: 4)
        #expect(reference.left.map(abs).max()! > 0.01)
        for block in [256, 100] {
            let other = OfflineRender(patch: patch, blockSize: block).run(seconds: 4)
            let difference = zip(reference.left + reference.right, other.left + other.right).map { abs($0 - $1) }.max()!
            #expect(difference <= 1e-7, "block \(block): largest difference \(difference)")
        }
    }

    @Test func voicesAreCounted() throws {
        let renderer = Renderer(tracks: [Renderer.TrackSetup(
            instrument: .soundFont(SoundFontSettings(font: SoundFontPlayer.defaultFontPath()!, program: 0)), gain: 1, pan: 0)],
            masterGain: 1, ceilingDB: -1, sampleRate: 48000)
        let left = UnsafeMutablePointer<Float>.allocate(capacity: 256), right = UnsafeMutablePointer<Float>.allocate(capacity: 256)
        defer { left.deallocate(); right.deallocate() }
        for note: UInt8 in [60, 64, 67] { _ = renderer.events.push(AudioEvent(frame: 0, kind: .noteOn, track: 0, note: note, value: 0.8)) }
        renderer.render(frames: 256, left: left, right: right)
        #expect(renderer.activeVoices >= 3)
        #expect(renderer.instrumentFailures == 0)
    }

    /// Chords on a piano and strings, bass and the GM kit, with stems, at live block sizes.
    @Test("SoundFont tracks render with no allocation and no retain", arguments: [64, 256])
    func allocationFree(frames: Int) throws {
        let patch = try SoundFontPatches.patch()
        let blocks = 48000 * 10 / frames
        let counted = AllocationTests().countedRender(patch: patch, frames: frames, blocks: blocks, stems: true) { i, s in
            i % 400 == 0 ? [cmd("/polyphon/agent/*/mute", s.agents[3].name, .flag(!s.agents[3].mute))] : []
        }
        print("SoundFont tracks (\(frames) frames, \(blocks) calls): \(counted.allocations) allocations, \(counted.retains) retains")
        #expect(counted.allocations == 0)
        #expect(counted.retains == 0)
    }
}

/// A font that vanished between the patch check and the renderer: a silent track, counted.
@Suite struct SoundFontFailureTests {
    @Test func aMissingFontLeavesTheTrackSilentAndCounted() throws {
        let renderer = Renderer(tracks: [Renderer.TrackSetup(
            instrument: .soundFont(SoundFontSettings(font: "/nonexistent/polyphon/gone.sf2")), gain: 1, pan: 0)],
            masterGain: 1, ceilingDB: -1, sampleRate: 48000)
        #expect(renderer.instrumentFailures == 1)
        #expect(renderer.instrumentProblems.first?.contains("gone.sf2") == true)
        let left = UnsafeMutablePointer<Float>.allocate(capacity: 256), right = UnsafeMutablePointer<Float>.allocate(capacity: 256)
        defer { left.deallocate(); right.deallocate() }
        _ = renderer.events.push(AudioEvent(frame: 0, kind: .noteOn, track: 0, note: 60, value: 1))
        renderer.render(frames: 256, left: left, right: right)
        var peak: Float = 0
        for i in 0..<256 { peak = max(peak, abs(left[i]), abs(right[i])) }
        #expect(peak == 0)
        #expect(renderer.activeVoices == 0)
    }
}
