import Engine
import Ensemble
import Foundation
import Music
import Testing

/// The band as a band: ramps and glides on the audio clock, the texture part, and the live
/// player heard through the MIDI input (call and response, harmony and tempo that follow).
/// All offline, on the event stream.
@Suite struct EnsembleTests {
    let rate = 48000.0

    func render(_ patch: Patch, seconds: Double, store: ParameterStore? = nil, changes: [TimedCommands] = [],
                player: [PlayerEvent] = []) -> [NoteRecord] {
        let log = EventLog(agentNames: patch.agents.map(\.spec.name))
        _ = OfflineRender(patch: patch).run(seconds: seconds, store: store, changes: changes, player: player) { log.append($0) }
        return log.all
    }

    func frames(of role: Role, in notes: [NoteRecord], patch: Patch, pitch: Int? = nil) -> [Int64] {
        notes.filter { patch.agents[$0.agent].spec.role == role && (pitch == nil || $0.pitch == pitch) }.map(\.frame)
    }

    /// Quarter notes from the player: (beat, pitch) at `bpm`, each held `hold` beats.
    func phrase(_ notes: [(Double, UInt8)], bpm: Double, hold: Double = 0.5) -> [PlayerEvent] {
        notes.flatMap { beat, pitch -> [PlayerEvent] in
            let on = Int64(beat * 60 / bpm * rate)
            let off = Int64((beat + hold) * 60 / bpm * rate)
            return [PlayerEvent(frame: on, note: pitch, velocity: 100, isOn: true),
                    PlayerEvent(frame: off, note: pitch, velocity: 0, isOn: false)]
        }
    }

    @Test func aTempoRampStepsEveryBeatOnTheAudioClock() throws {
        let p = try TestPatches.defaultPatch() // 112 BPM, driving: a kick on every beat
        let change: Int64 = 48000 * 4 + 500
        let notes = render(p, seconds: 14, changes: [at(change, cmd("/polyphon/tempo/ramp", nil, .pair(140, 2)))])
        let kicks = Set(frames(of: .drums, in: notes, patch: p, pitch: 36))
        // Expected beat frames: 112 BPM up to the first beat after the change, then eight beats
        // stepping up by 3.5 BPM each, then 140.
        let old = rate * 60 / 112
        var beat = (Double(change) / old).rounded(.up)
        var frame = beat * old
        var expected: [Int64] = []
        for k in 0..<16 {
            expected.append(Int64(frame.rounded(.down)))
            let tempo = 112 + 28 * min(1, Double(k + 1) / 8)
            frame += rate * 60 / tempo
            beat += 1
        }
        for e in expected {
            #expect(kicks.contains { abs($0 - e) <= 1 }, "no kick within a frame of beat frame \(e)")
        }
    }

    @Test func aMoodGlidePassesThroughTheModesBetween() throws {
        var p = try TestPatches.defaultPatch() // driving: dorian
        p.moodGlide = 8
        let notes = render(p, seconds: 24, changes: [at(48000 * 4, cmd("/polyphon/mood", nil, .mood(Mood(named: "dark")!)))])
        let modes = notes.map(\.key.mode)
        #expect(modes.first == .dorian)
        #expect(modes.last == .phrygian)
        #expect(modes.contains(.aeolian), "the glide from dorian to phrygian should pass through aeolian")
        // A jump (no glide) skips aeolian.
        p.moodGlide = 0
        let jump = render(p, seconds: 12, changes: [at(48000 * 4, cmd("/polyphon/mood", nil, .mood(Mood(named: "dark")!)))])
        #expect(!jump.map(\.key.mode).contains(.aeolian))
    }

    @Test func theTexturePartPadsWhenCalmAndArpeggiatesWhenBusy() throws {
        let text = """
        [band]
        tempo = 100
        key = "C"
        mood = "calm"
        density = 0.3
        [agent.pad]
        role = "texture"
        """
        var p = try Patch(file: "texture.patch", text: text)
        let calm = render(p, seconds: 10)
        p.mood = Mood(named: "euphoric")!
        p.density = 0.9
        let busy = render(p, seconds: 10)
        #expect(!calm.isEmpty)
        #expect(busy.count > calm.count * 3, "arpeggios (\(busy.count) notes) should far outnumber pad notes (\(calm.count))")
        #expect((calm + busy).allSatisfy { $0.key.contains($0.pitch) })
    }

    @Test func theLeadAnswersAPhraseWithinABarOfThePlayerStopping() throws {
        var p = try TestPatches.defaultPatch() // 112 BPM, A dorian
        p.density = 0.3                           // below the lead's entry: it only answers
        let lead = p.agents.firstIndex { $0.spec.role == .lead }!
        // Bars 2 and 3: a phrase in A dorian, last note released at beat 14.5.
        let played = phrase([(8, 69), (9, 72), (10, 74), (11, 76), (12, 74), (13, 72), (14, 69)], bpm: 112)
        let notes = render(p, seconds: 16, player: played)
        let stop = played.last!.frame
        let bar = Int64(rate * 60 / 112 * 4)
        let answer = notes.filter { $0.agent == lead }
        #expect(answer.count >= 4, "the answer should be a phrase, got \(answer.count) notes")
        let first = try #require(answer.first).frame
        print("answer: \(answer.count) notes, starting \(String(format: "%.2f", Double(first - stop) / Double(bar))) bars after the player stopped")
        #expect(first > stop && first <= stop + bar, "answer starts \(Double(first - stop) / Double(bar)) bars after the player stopped")
        #expect(answer.allSatisfy { $0.key.contains($0.pitch) }, "the answer is in the player's key")
        // Nothing from the lead while the player plays.
        #expect(!answer.contains { $0.frame < stop })
    }

    @Test func theLeadLeavesSpaceWhileThePlayerPlays() throws {
        let p = try TestPatches.defaultPatch() // density 0.6: the lead plays
        let lead = p.agents.firstIndex { $0.spec.role == .lead }!
        let bar = rate * 60 / 112 * 4
        // The player plays through bars 2 to 5 without a pause long enough to end a phrase.
        let played = phrase((0..<16).map { (8 + Double($0), UInt8(69 + [0, 2, 3, 5][$0 % 4])) }, bpm: 112, hold: 0.9)
        let notes = render(p, seconds: 14, player: played)
        let during = notes.filter { $0.agent == lead && Double($0.frame) >= 3 * bar && Double($0.frame) < 6 * bar }
        let alone = render(p, seconds: 14).filter { $0.agent == lead && Double($0.frame) >= 3 * bar && Double($0.frame) < 6 * bar }
        #expect(alone.count > 4)
        #expect(during.isEmpty, "the lead played \(during.count) notes over the player")
    }

    @Test func theHarmonyFollowsTheChordThePlayerPlays() throws {
        let p = try TestPatches.defaultPatch() // A dorian: E G B is v (degree 4)
        // E, G, B across bar 2 (beats 8...11).
        let played = phrase([(8, 64), (9, 67), (10, 71), (11, 76)], bpm: 112, hold: 0.9)
        let notes = render(p, seconds: 10, player: played)
        let bar3 = notes.filter { $0.bar == 3 && p.agents[$0.agent].spec.role != .lead }
        #expect(!bar3.isEmpty)
        #expect(bar3.allSatisfy { $0.chord.degree == 4 }, "bar 3 chords: \(Set(bar3.map(\.chord.description)))")
        // Without the player, bar 3 is not (always) that chord: the seed's progression decides.
        let alone = render(p, seconds: 10).filter { $0.bar == 3 }
        #expect(alone.contains { $0.chord.degree != 4 })
    }

    @Test func theBandFollowsThePlayersTempoWhenAsked() throws {
        let p = try TestPatches.defaultPatch() // 112 BPM
        let store = ParameterStore(p.initialSteering)
        store.update { $0.followPlayer = true }
        // The player plays quarter notes at 104 BPM from 2 s on.
        let played = phrase((0..<40).map { (Double($0) + 4, UInt8(69)) }, bpm: 104)
        let notes = render(p, seconds: 26, store: store, player: played)
        #expect(abs(store.read().tempo - 104) < 104 * 0.02, "followed tempo \(store.read().tempo)")
        // The downbeats of the last bars (the kick on beat one of every bar) come at 104 BPM.
        var downbeats: [Int: Int64] = [:]
        for n in notes where p.agents[n.agent].spec.role == .drums && n.pitch == 36 {
            downbeats[n.bar] = min(downbeats[n.bar] ?? .max, n.frame)
        }
        let last = try #require(downbeats.keys.max())
        let bar = Double(try #require(downbeats[last])) - Double(try #require(downbeats[last - 1]))
        #expect(abs(4 * 60 * rate / bar - 104) < 104 * 0.02, "band tempo \(4 * 60 * rate / bar)")
    }
}

@Suite struct PatchMoodTests {
    @Test func aPatchAddsNamedMoods() throws {
        let text = """
        [band]
        mood = "sunrise"
        [mood.sunrise]
        valence = 0.6
        arousal = -0.2
        [agent.keys]
        role = "harmony"
        """
        let p = try Patch(file: "m.patch", text: text)
        #expect(p.mood.name == "sunrise" && p.mood.valence == 0.6)
        #expect(p.initialSteering.mood(named: "SUNRISE")?.arousal == -0.2)
        #expect(p.initialSteering.moodNames.contains("sunrise"))
    }

    @Test func aBadMoodSectionSaysWhereAndWhat() {
        let text = """
        [mood.calm]
        valence = 0.1
        arousal = 0.1
        [mood.half]
        valence = 0.3
        [agent.keys]
        role = "harmony"
        """
        #expect {
            try Patch(file: "m.patch", text: text)
        } throws: { error in
            let d = "\(error)"
            return d.contains("m.patch:1:") && d.contains("redefines a built-in mood") && d.contains("m.patch:4:") && d.contains("needs both")
        }
    }
}
