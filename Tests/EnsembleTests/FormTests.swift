import Ensemble
import Music
import Testing

/// The band leader's form, straight from the band's plans (no audio): a breakdown drops the
/// rhythm section, a build brings it back with a fill in every bar, a lift plays more.
@Suite struct FormTests {
    func plan(density: Double, bars: Int) -> [[PlannedNote]] {
        let specs = [AgentSpec(name: "drums", role: .drums, octave: 0), AgentSpec(name: "bass", role: .bass, octave: 2),
                     AgentSpec(name: "keys", role: .harmony, octave: 4), AgentSpec(name: "lead", role: .lead, octave: 5)]
        let band = Band(specs: specs, seed: 3)
        let key = Key(tonic: PitchClass(9), mode: .dorian)
        return (0..<bars).map { bar in
            band.planBar(index: bar, startBeat: Double(bar * 4), key: key, mood: Mood(named: "driving")!,
                         density: density, meter: Meter()).notes
        }
    }

    @Test func aBusyBandBreaksDownAndBuilds() {
        let bars = plan(density: 0.7, bars: 32)
        let drums = 0, bass = 1
        for b in 24..<28 {
            #expect(!bars[b].contains { $0.agent == drums || $0.agent == bass }, "bar \(b) is a breakdown")
            #expect(!bars[b].isEmpty, "the harmony carries the breakdown")
        }
        for b in 28..<32 {
            #expect(bars[b].contains { $0.agent == drums && $0.beat >= 3 && DrumNote.fillNotes.contains($0.pitch) },
                    "bar \(b) of the build ends with a fill")
        }
        let groove = bars[0..<8].map(\.count).reduce(0, +), lift = bars[16..<24].map(\.count).reduce(0, +)
        #expect(lift > groove, "the lift (\(lift) notes) plays more than the groove (\(groove))")
    }

    @Test func aCalmBandNeverBreaksDown() {
        let bars = plan(density: 0.3, bars: 32)
        for b in 24..<32 {
            #expect(bars[b].contains { $0.agent == 0 }, "the drums keep playing in bar \(b)")
        }
    }
}
