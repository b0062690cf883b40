import Control
import Engine
import Ensemble
import Foundation
import Music
import Testing

/// Cue files played through the offline renderer: the same player and conductor as live.
@Suite struct CuePlayerTests {
    static let patchText = """
    [band]
    tempo = 120
    key = "C"
    mood = "driving"
    density = 0.6
    [agent.drums]
    role = "drums"
    [agent.bass]
    role = "bass"
    [agent.chords]
    role = "harmony"
    """

    struct Run {
        var notes: [NoteRecord]
        var store: ParameterStore
        var player: CuePlayer
        var left: [Float]
    }

    func play(_ cues: String, seconds: Double, autoGo: Double = 4) throws -> Run {
        let patch = try Patch(file: "test.patch", text: CuePlayerTests.patchText)
        let list = try CueList(file: "test.cue", text: cues)
        try list.check(against: patch)
        let store = ParameterStore(patch.initialSteering)
        let player = CuePlayer(router: CommandRouter(store: store, agentNames: patch.agents.map(\.spec.name)),
                               sampleRate: 48000, autoGo: autoGo)
        try player.play(list)
        let log = EventLog(agentNames: patch.agents.map(\.spec.name))
        let audio = OfflineRender(patch: patch).run(seconds: seconds, store: store, cueSource: player.playback) { log.append($0) }
        return Run(notes: log.all, store: store, player: player, left: audio.left)
    }

    static let bar = 48000 * 2   // 120 BPM, 4/4

    @Test func barTimedCueLandsOnItsBarLine() throws {
        let r = try play("@3 /polyphon/mood \"dark\"\n", seconds: 10)
        let before = r.notes.filter { $0.frame < Int64(2 * Self.bar) }
        let after = r.notes.filter { $0.frame >= Int64(2 * Self.bar) }
        #expect(!before.isEmpty && before.allSatisfy { $0.key.mode == .dorian })
        #expect(!after.isEmpty && after.allSatisfy { $0.key.mode == .phrygian })
    }

    @Test func waitGoHoldsUntilReleasedThenTimesRestartFromTheGo() throws {
        // Offline, GO comes 4 s after the wait begins; the next entry is 2 s after the GO.
        let r = try play("0 /polyphon/tempo 100\nwait go\n2 /polyphon/tempo 150\n", seconds: 9)
        #expect(r.store.read().tempo == 150)
        let run = try play("0 /polyphon/tempo 100\nwait go\n2 /polyphon/tempo 150\n", seconds: 5.9)
        #expect(run.store.read().tempo == 100, "the entry after the GO fired early")
        #expect(run.player.position.next.contains("line 3"))
    }

    @Test func rampGlidesFromTheCurrentValue() throws {
        // density 0.6 -> 0.0 over 2 s, starting at 1 s.
        let half = try play("1 ramp 2 /polyphon/density 0\n", seconds: 2.0)
        #expect(abs(half.store.read().density - 0.3) < 0.04, "density half-way through the ramp: \(half.store.read().density)")
        let done = try play("1 ramp 2 /polyphon/density 0\n", seconds: 3.5)
        #expect(done.store.read().density == 0)
    }

    @Test func countedLoopsRepeatThenGoOn() throws {
        let cues = """
        label loop
        +1 /polyphon/master/gain 0.5
        +1 /polyphon/master/gain 0.6
        goto loop 2
        +1 /polyphon/tempo 90
        """
        // Three passes of 2 s, then the tempo change 1 s later: at 7 s.
        #expect(try play(cues, seconds: 6.9).store.read().tempo == 120)
        #expect(try play(cues, seconds: 7.2).store.read().tempo == 90)
    }

    @Test func aLoopWithoutTimeIsStoppedNotSpun() throws {
        let r = try play("label a\n0 /polyphon/density 0.5\ngoto a\n", seconds: 1)
        #expect(r.player.position.next == "stopped")
        #expect(r.player.position.current.contains("takes no time"), "the operator is told why: \(r.player.position.current)")
    }

    @Test func sameCuesSameSamples() throws {
        let cues = "@2 /polyphon/mood \"euphoric\"\n+1bars ramp 2bars /polyphon/tempo 140\n"
        let a = try play(cues, seconds: 8), b = try play(cues, seconds: 8)
        #expect(a.notes == b.notes)
        #expect(zip(a.left, b.left).allSatisfy { abs($0 - $1) <= 1e-7 })
    }
}
