import Music
import Testing

@Suite struct MusicTests {
    @Test func keysParseAndContainTheirScale() {
        let a = Key(parsing: "A minor")!
        #expect(a.tonic == PitchClass(9) && a.mode == .aeolian)
        #expect(a.pitchClasses.map(\.description) == ["A", "B", "C", "D", "E", "F", "G"])
        #expect(a.contains(69) && !a.contains(70))
        #expect(Key(parsing: "Bb dorian")!.tonic == PitchClass(10))
        #expect(Key(parsing: "H") == nil && Key(parsing: "C bluesy") == nil)
    }

    @Test func degreesWrapAcrossOctaves() {
        let c = Key(tonic: PitchClass(0), mode: .ionian)
        #expect(c.note(degree: 0, octave: 4) == 60)
        #expect(c.note(degree: 7, octave: 4) == 72)
        #expect(c.note(degree: -1, octave: 4) == 59)
    }

    @Test func diatonicChordsStayInKey() {
        for mode in Mode.allCases {
            let key = Key(tonic: PitchClass(2), mode: mode)
            for degree in 0..<7 {
                let chord = Chord(key: key, degree: degree, size: 4)
                #expect(chord.pitchClasses.allSatisfy { key.contains($0.value + 60) })
            }
        }
    }

    @Test func moodsMapValenceToMode() {
        #expect(Mood(named: "dark")!.mode == .phrygian)
        #expect(Mood(named: "euphoric")!.mode == .lydian)
        #expect(Mood(named: "melancholy")!.mode == .aeolian)
        #expect(Mood(valence: 0.85, arousal: 0.75).name == "euphoric")
        #expect(Mood(named: "calm")!.energy < Mood(named: "driving")!.energy)
        #expect(Mood(named: "nope") == nil)
    }
}
