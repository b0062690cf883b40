import Control
import Engine
import Music
import Testing

@Suite struct RouterTests {
    func makeRouter() -> CommandRouter {
        let steering = Steering(tempo: 112, density: 0.6, mood: Mood(named: "driving")!, tonic: PitchClass(9), modeOverride: nil,
                                masterGain: 0.8, agents: ["drums", "bass", "chords"].map { AgentSteering(name: $0, gain: 0.8, pan: 0) })
        return CommandRouter(store: ParameterStore(steering), agentNames: ["drums", "bass", "chords"])
    }

    @Test func validMessagesChangeTheState() {
        let r = makeRouter()
        #expect(r.handle(OSCMessage("/polyphon/tempo", [.float(128)])).isEmpty)
        #expect(r.handle(OSCMessage("/polyphon/tempo", [.int(90)])).isEmpty)   // i accepted for f
        #expect(r.handle(OSCMessage("/polyphon/density", [.int(25)])).isEmpty) // ChamSys 0...100
        #expect(r.handle(OSCMessage("/polyphon/mood", [.string("dark")])).isEmpty)
        let s = r.store.read()
        #expect(s.tempo == 90 && s.density == 0.25 && s.mood.name == "dark")
        #expect(r.handle(OSCMessage("/polyphon/mood/xy", [.float(1), .float(1)])).isEmpty)
        #expect(r.store.read().mood.name == "euphoric")
    }

    @Test("bad input is refused with a reason and changes nothing", arguments: [
        (OSCMessage("/polyphon/tempo", [.float(.nan)]), "not a finite number"),
        (OSCMessage("/polyphon/tempo", [.float(.infinity)]), "not a finite number"),
        (OSCMessage("/polyphon/tempo", [.float(500)]), "out of range"),
        (OSCMessage("/polyphon/tempo", [.string("fast")]), "must be a number"),
        (OSCMessage("/polyphon/tempo", []), "expects 1 argument"),
        (OSCMessage("/polyphon/density", [.float(1.5)]), "out of range"),
        (OSCMessage("/polyphon/density", [.int(101)]), "out of range 0...100"),
        (OSCMessage("/polyphon/mood", [.string("sunny")]), "unknown mood"),
        (OSCMessage("/polyphon/key", [.string("H major")]), "cannot read key"),
        (OSCMessage("/polyphon/nothing", [.int(1)]), "unknown address"),
        (OSCMessage("/polyphon/agent/piano/mute", [.int(1)]), "unknown agent 'piano'"),
        (OSCMessage("/polyphon/agent/*/gain", [.float(9)]), "out of range"),
        (OSCMessage("/polyphon/mood/xy", [.float(0.5)]), "expects 2 arguments"),
    ])
    func rejects(message: OSCMessage, reason: String) {
        let r = makeRouter()
        let before = r.store.read()
        let replies = r.handle(message)
        #expect(replies.count == 1)
        #expect(replies.first?.address == "/polyphon/error")
        #expect(replies.first?.arguments.first == .string(message.address))
        if case .string(let text) = replies.first?.arguments.last { #expect(text.contains(reason), "\(text)") }
        else { Issue.record("no reason string") }
        #expect(r.store.read() == before)
    }

    @Test func patternsReachEveryMatchingAgent() {
        let r = makeRouter()
        #expect(r.handle(OSCMessage("/polyphon/agent/*/mute", [.int(1)])).isEmpty)
        #expect(r.store.read().agents.allSatisfy { $0.mute })
        #expect(r.handle(OSCMessage("/polyphon/agent/{bass,chords}/mute", [.bool(false)])).isEmpty)
        #expect(r.store.read().agents.map(\.mute) == [true, false, false])
        #expect(r.handle(OSCMessage("/polyphon/agent/[a-c]*/gain", [.float(0.3)])).isEmpty)
        #expect(zip(r.store.read().agents.map(\.gain), [0.8, 0.3, 0.3]).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(r.handle(OSCMessage("/polyphon/agent/?rums/pan", [.float(-1)])).isEmpty)
        #expect(r.store.read().agents[0].pan == -1)
    }

    @Test func buttonReleaseDoesNotTrigger() {
        let r = makeRouter()
        _ = r.handle(OSCMessage("/polyphon/panic", [.float(1)]))
        _ = r.handle(OSCMessage("/polyphon/panic", [.float(0)]))
        #expect(r.store.read().panicCount == 1)
    }

    @Test func statusCarriesTheValues() {
        let r = makeRouter()
        _ = r.handle(OSCMessage("/polyphon/tempo", [.float(133)]))
        let reply = r.handle(OSCMessage("/polyphon/status"))
        #expect(reply.first?.address == "/polyphon/status")
        let args = reply.first!.arguments
        let i = args.firstIndex(of: .string("tempo"))!
        #expect(args[i + 1] == .float(133))
    }
}


/// The ensemble's OSC: tempo ramps, mood glides and patch moods, following the player.
@Suite struct EnsembleRouterTests {
    func makeRouter() -> CommandRouter {
        var steering = Steering(tempo: 112, density: 0.6, mood: Mood(named: "driving")!, tonic: PitchClass(9), modeOverride: nil,
                                masterGain: 0.8, agents: [AgentSteering(name: "lead", gain: 0.8, pan: 0)])
        steering.patchMoods = [Mood(valence: 0.6, arousal: -0.2, name: "sunrise")]
        return CommandRouter(store: ParameterStore(steering), agentNames: ["lead"])
    }

    @Test func rampsGlidesAndPatchMoods() {
        let r = makeRouter()
        #expect(r.handle(OSCMessage("/polyphon/tempo/ramp", [.float(140), .int(8)])).isEmpty)
        #expect(r.store.read().tempo == 140 && r.store.read().tempoRampBeats == 32)
        #expect(r.handle(OSCMessage("/polyphon/tempo", [.float(100)])).isEmpty)
        #expect(r.store.read().tempoRampBeats == 0, "a plain tempo jumps")
        #expect(r.handle(OSCMessage("/polyphon/mood/glide", [.float(6)])).isEmpty)
        #expect(r.store.read().moodGlide == 6)
        #expect(r.handle(OSCMessage("/polyphon/mood", [.string("sunrise")])).isEmpty)
        #expect(r.store.read().mood.valence == 0.6)
        #expect(r.handle(OSCMessage("/polyphon/player/follow", [.bool(true)])).isEmpty)
        #expect(r.store.read().followPlayer)
        #expect(r.handle(OSCMessage("/polyphon/player/pause", [.float(4)])).isEmpty)
        #expect(r.store.read().playerPause == 4)
        #expect(r.handle(OSCMessage("/polyphon/agent/lead/sound/cutoff", [.float(800)])).isEmpty)
        #expect(r.store.read().agents[0].sound[0] == 800)
        #expect(r.handle(OSCMessage("/polyphon/agent/*/sound/resonance", [.float(0.5)])).isEmpty, "patterns reach sound parameters")
        #expect(r.store.read().agents[0].sound[1] == 0.5)
        #expect(r.handle(OSCMessage("/polyphon/agent/lead/sound/cutoff/norm", [.float(0)])).isEmpty)
        #expect(r.store.read().agents[0].sound[0] == 20)
    }

    @Test func badEnsembleInputIsRefusedWithAReason() {
        let r = makeRouter()
        let before = r.store.read()
        let cases: [(OSCMessage, String)] = [
            (OSCMessage("/polyphon/tempo/ramp", [.float(140)]), "expects 2 arguments"),
            (OSCMessage("/polyphon/tempo/ramp", [.float(140), .float(-1)]), "out of range"),
            (OSCMessage("/polyphon/tempo/ramp", [.float(.nan), .float(4)]), "not a finite number"),
            (OSCMessage("/polyphon/mood/glide", [.float(1000)]), "out of range"),
            (OSCMessage("/polyphon/player/pause", [.float(0)]), "out of range"),
            (OSCMessage("/polyphon/agent/lead/sound/cutoff", [.float(5)]), "out of range"),
            (OSCMessage("/polyphon/agent/lead/sound/ratio1", [.float(2)]), "subtractive instrument; expected one of cutoff"),
            (OSCMessage("/polyphon/agent/lead/sound/cutoff", [.string("x")]), "must be a number"),
            (OSCMessage("/polyphon/mood", [.string("sunset")]), "sunrise"),
        ]
        for (m, reason) in cases {
            let replies = r.handle(m)
            #expect(replies.count == 1)
            let text = replies.first.map { "\($0)" } ?? ""
            #expect(text.contains(reason), "reply to \(m.address): \(text)")
        }
        #expect(r.store.read() == before)
    }
}
