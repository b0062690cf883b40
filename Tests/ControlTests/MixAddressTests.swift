import Control
import Engine
import Music
import Testing

/// The mix and sound addresses: sends, morph, solo and the shared buses.
@Suite struct MixAddressTests {
    func makeRouter() -> CommandRouter {
        let steering = Steering(tempo: 112, density: 0.6, mood: Mood(named: "driving")!, tonic: PitchClass(9), modeOverride: nil,
                                masterGain: 0.8, agents: ["drums", "lead"].map { AgentSteering(name: $0, gain: 0.8, pan: 0) })
        return CommandRouter(store: ParameterStore(steering), agentNames: ["drums", "lead"])
    }

    @Test func sendsMorphAndBusesChangeTheState() {
        let r = makeRouter()
        #expect(r.handle(OSCMessage("/polyphon/agent/lead/reverb", [.float(0.4)])).isEmpty)
        #expect(r.handle(OSCMessage("/polyphon/agent/lead/delay/norm", [.float(0.25)])).isEmpty)
        #expect(r.handle(OSCMessage("/polyphon/agent/*/morph", [.int(50)])).isEmpty)   // 0...100 as a level
        #expect(r.handle(OSCMessage("/polyphon/agent/drums/solo", [.int(1)])).isEmpty)
        #expect(r.handle(OSCMessage("/polyphon/reverb/size", [.float(0.9)])).isEmpty)
        #expect(r.handle(OSCMessage("/polyphon/reverb/damping/norm", [.float(0.1)])).isEmpty)
        #expect(r.handle(OSCMessage("/polyphon/delay/feedback", [.float(0.5)])).isEmpty)
        #expect(r.handle(OSCMessage("/polyphon/delay/division", [.string("1/8.")])).isEmpty)
        #expect(r.handle(OSCMessage("/polyphon/compressor/threshold", [.float(-20)])).isEmpty)
        #expect(r.handle(OSCMessage("/polyphon/compressor/ratio/norm", [.float(1)])).isEmpty)
        let s = r.store.read()
        #expect(abs(s.agents[1].reverb - 0.4) < 1e-6 && s.agents[1].delay == 0.25)
        #expect(s.agents[0].morph == 0.5 && s.agents[1].morph == 0.5)
        #expect(s.agents[0].solo)
        #expect(abs(s.effects.reverbSize - 0.9) < 1e-6 && abs(s.effects.reverbDamping - 0.1) < 1e-6)
        #expect(s.effects.delayFeedback == 0.5 && s.effects.delayBeats == 0.75)
        #expect(s.effects.compressorThreshold == -20 && s.effects.compressorRatio == 10)
        #expect(r.handle(OSCMessage("/polyphon/delay/division", [.float(2)])).isEmpty)
        #expect(r.store.read().effects.delayBeats == 2)
        #expect(abs(r.currentValue(of: "/polyphon/agent/lead/reverb")! - 0.4) < 1e-6)
    }

    @Test("bad mix input is refused with a reason", arguments: [
        (OSCMessage("/polyphon/agent/lead/reverb", [.float(1.5)]), "out of range"),
        (OSCMessage("/polyphon/agent/lead/morph", [.float(.nan)]), "not a finite number"),
        (OSCMessage("/polyphon/delay/division", [.string("eighth")]), "cannot read note value"),
        (OSCMessage("/polyphon/delay/division", [.float(9)]), "out of range"),
        (OSCMessage("/polyphon/delay/feedback", [.float(1)]), "out of range"),
        (OSCMessage("/polyphon/compressor/ratio", [.float(0.5)]), "out of range"),
        (OSCMessage("/polyphon/reverb/size", []), "expects 1 argument"),
    ])
    func rejects(message: OSCMessage, reason: String) {
        let r = makeRouter()
        let before = r.store.read()
        let replies = r.handle(message)
        #expect(replies.count == 1)
        if case .string(let text)? = replies.first?.arguments.last { #expect(text.contains(reason), "\(text)") }
        #expect(r.store.read() == before)
    }
}

/// Controllers hear every parameter they can set: the ensemble's, the mix's and live sound.
@Suite struct FeedbackStateTests {
    @Test func theStateCoversEverySettableParameter() {
        var steering = Steering(tempo: 112, density: 0.6, mood: Mood(named: "driving")!, tonic: PitchClass(9), modeOverride: nil,
                                masterGain: 0.8, agents: [AgentSteering(name: "lead", gain: 0.8, pan: 0)])
        steering.agents[0].sound[SoundParameter.named("cutoff", family: "subtractive")!.code] = 900
        let router = CommandRouter(store: ParameterStore(steering), agentNames: ["lead"])
        let state = Dictionary(Feedback(router: router).stateMessages().map { ($0.address, $0.arguments) }, uniquingKeysWith: { a, _ in a })
        for address in ["/polyphon/mood/glide", "/polyphon/player/follow", "/polyphon/player/pause", "/polyphon/reverb/size",
                        "/polyphon/delay/division", "/polyphon/compressor/ratio", "/polyphon/agent/lead/reverb",
                        "/polyphon/agent/lead/delay", "/polyphon/agent/lead/morph"] {
            #expect(state[address] != nil, "no feedback for \(address)")
        }
        #expect(state["/polyphon/agent/lead/sound/cutoff"]?.first?.number == 900)
        #expect(state["/polyphon/agent/lead/sound/resonance"] == nil, "only the sound settings changed live")
        // Every address in the state is one a controller can send back.
        for address in state.keys where !["/polyphon/transport/playing"].contains(address) {
            #expect(router.addresses.contains(address), "\(address) is not an address the router takes")
        }
    }
}
