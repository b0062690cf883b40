import SoundFont
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Loading on the control thread: the errors name the file, and the default font is found.
@Suite struct LoadingTests {
    @Test func defaultFontIsADebianGMFont() throws {
        let path = try Rig.fontPath()
        #expect(path.hasPrefix("/usr/share/sounds/"))
    }

    @Test func missingFileIsNamed() {
        let path = "/tmp/polyphon-no-such-font-\(getpid()).sf2"
        #expect(throws: SoundFontError.fileNotFound(path)) {
            try SoundFontPlayer(path: path, sampleRate: 48000, polyphony: 8, program: 0)
        }
        #expect(SoundFontError.fileNotFound(path).description.contains(path))
    }

    @Test func aFileThatIsNotASoundFontIsNamed() throws {
        let path = "/tmp/polyphon-not-a-font-\(getpid()).sf2"
        let file = try #require(fopen(path, "w"))
        fputs("RIFF but not really a SoundFont, just words\n", file)
        fclose(file)
        defer { unlink(path) }
        #expect(throws: SoundFontError.notASoundFont(path)) {
            try SoundFontPlayer(path: path, sampleRate: 48000, polyphony: 8, program: 0)
        }
    }

    @Test func aProgramTheFontLacksIsNamed() throws {
        let path = try Rig.fontPath()
        #expect(throws: SoundFontError.noSuchProgram(path: path, bank: 7, program: 3)) {
            try SoundFontPlayer(path: path, sampleRate: 48000, polyphony: 8, program: 3, bank: 7)
        }
        #expect(throws: SoundFontError.noSuchProgram(path: path, bank: 0, program: 128)) {
            try SoundFontPlayer(path: path, sampleRate: 48000, polyphony: 8, program: 128)
        }
        let message = SoundFontError.noSuchProgram(path: path, bank: 7, program: 3).description
        #expect(message.contains(path) && message.contains("bank 7") && message.contains("program 3"))
    }

    @Test func loadsEveryGMProgramAndTheDrumKit() throws {
        let path = try Rig.fontPath()
        let strings = try SoundFontPlayer(path: path, sampleRate: 44100, polyphony: 8, program: 48)
        #expect(strings.presetName.lowercased().contains("string"))
        let drums = try SoundFontPlayer(path: path, sampleRate: 48000, polyphony: 8, program: 0, bank: 128)
        drums.noteOn(38, velocity: 1)   // GM snare
        #expect(drums.activeVoices > 0)
    }

    @Test func badSettingsAreRefusedBeforeLoading() throws {
        let path = try Rig.fontPath()
        #expect(throws: SoundFontError.sampleRateOutOfRange(4000)) {
            try SoundFontPlayer(path: path, sampleRate: 4000, polyphony: 8, program: 0)
        }
        #expect(throws: SoundFontError.polyphonyOutOfRange(0)) {
            try SoundFontPlayer(path: path, sampleRate: 48000, polyphony: 0, program: 0)
        }
    }
}

/// General MIDI program names for patch files.
@Suite struct ProgramNameTests {
    @Test func thereAre128DistinctNamesAndEachFindsItself() {
        #expect(GeneralMIDI.programNames.count == 128)
        for (number, name) in GeneralMIDI.programNames.enumerated() {
            #expect(GeneralMIDI.program(named: name) == number, "\(name)")
        }
    }

    @Test(arguments: [
        ("trumpet", 56), ("Trumpet", 56), ("acoustic grand piano", 0), ("piano", 0),
        ("electric bass (finger)", 33), ("Electric-Bass Finger", 33), ("electric bass", 33),
        ("strings", 48), ("string ensemble 1", 48), ("sax", 65), ("tenor sax", 66), ("french horn", 60),
        ("57", 57), (" 0 ", 0), ("127", 127), ("choir", 52), ("flute", 73), ("cello", 42),
    ])
    func namesPlayersUse(name: String, program: Int) {
        #expect(GeneralMIDI.program(named: name) == program)
    }

    @Test(arguments: ["", "kazoo", "128", "-1", "   "])
    func unknownNamesAreNil(name: String) {
        #expect(GeneralMIDI.program(named: name) == nil)
    }
}
