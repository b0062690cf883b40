import Ensemble
import StyleTraining
import Testing

/// Small MIDI files built byte by byte, so each feature of the format is exercised on purpose.
func vlq(_ v: Int) -> [UInt8] {
    var out: [UInt8] = [UInt8(v & 0x7F)]
    var x = v >> 7
    while x > 0 { out.insert(UInt8(x & 0x7F) | 0x80, at: 0); x >>= 7 }
    return out
}

func header(format: Int, tracks: Int, ppq: Int) -> [UInt8] {
    Array("MThd".utf8) + [0, 0, 0, 6, 0, UInt8(format), 0, UInt8(tracks), UInt8(ppq >> 8), UInt8(ppq & 0xFF)]
}

func track(_ body: [UInt8]) -> [UInt8] {
    let b = body + [0, 0xFF, 0x2F, 0]
    return Array("MTrk".utf8) + [UInt8(b.count >> 24), UInt8(b.count >> 16 & 0xFF), UInt8(b.count >> 8 & 0xFF), UInt8(b.count & 0xFF)] + b
}

@Suite struct MIDIFileTests {
    /// Format 0: tempo 120, 3/4, key D major, then notes in running status with velocity-0 offs.
    static let format0: [UInt8] = header(format: 0, tracks: 1, ppq: 96) + track(
        [0, 0xFF, 0x51, 3, 0x07, 0xA1, 0x20]            // 500000 us = 120 BPM
        + [0, 0xFF, 0x58, 4, 3, 2, 24, 8]              // 3/4
        + [0, 0xFF, 0x59, 2, 2, 0]                     // two sharps, major
        + [0, 0xC0, 5]                                 // program change (one data byte)
        + [0, 0x90, 62, 100]                           // D on
        + vlq(96) + [62, 0]                            // running status: D off (velocity 0) after a beat
        + [0, 66, 90]                                  // F# on
        + vlq(48) + [0x80, 66, 64]                     // real note-off after half a beat
        + vlq(48) + [0x90, 69, 80] + vlq(192) + [69, 0] // A for two beats
    )

    @Test func format0WithRunningStatusTempoAndVelocityZeroOffs() throws {
        let file = try MIDIFile(bytes: Self.format0)
        #expect(file.format == 0 && file.ticksPerBeat == 96)
        #expect(file.tempos.first.map { abs($0.bpm - 120) < 1e-9 } == true)
        #expect(file.meter == MIDIFile.TimeSignature(numerator: 3, denominator: 4))
        #expect(file.meter.sixteenthsPerBar == 12)
        #expect(file.keySignatures.first?.tonic == 2 && file.keySignatures.first?.minor == false)
        let notes = file.tracks[0].notes
        #expect(notes.map(\.pitch) == [62, 66, 69])
        #expect(notes.map(\.onset) == [0, 1, 2])
        #expect(notes.map(\.duration) == [1, 0.5, 2])
        #expect(notes.map(\.velocity) == [100, 90, 80])
    }

    @Test func format1TracksAndDrumChannel() throws {
        let melody = track([0, 0xFF, 0x03, 4] + Array("lead".utf8) + [0, 0x91, 72, 100] + vlq(480) + [0x81, 72, 0])
        let drums = track([0, 0x99, 36, 110, 60, 0x89, 36, 0, 60, 0x99, 38, 100, 60, 38, 0])
        let bytes = header(format: 1, tracks: 3, ppq: 480) + track([0, 0xFF, 0x51, 3, 0x09, 0x27, 0xC0]) + melody + drums
        let file = try MIDIFile(bytes: bytes)
        #expect(file.tracks.count == 3)
        #expect(file.tracks[1].name == "lead")
        #expect(file.tracks[1].notes == [MIDIFile.Note(pitch: 72, velocity: 100, channel: 1, onset: 0, duration: 1)])
        #expect(file.tracks[2].notes.allSatisfy { $0.isDrum })
        #expect(file.tracks[2].notes.map(\.onset) == [0, 0.25])
        #expect(abs(file.tempos[0].bpm - 100) < 0.01)
        #expect(file.groove()?.prefix(2) == [DrumClass.kick.bit, DrumClass.snare.bit])
    }

    @Test func truncatedFileNamesTheByteAndWhatWasExpected() {
        let cut = Array(Self.format0.prefix(40))
        #expect {
            try MIDIFile(bytes: cut, file: "cut.mid")
        } throws: { error in
            guard let e = error as? MIDIFileError else { return false }
            return e.file == "cut.mid" && e.offset == 18 && e.description.contains("expected") && e.description.contains("byte 18")
        }
        #expect {
            try MIDIFile(bytes: Array("RIFF....".utf8), file: "x.wav")
        } throws: { error in
            (error as? MIDIFileError)?.description == "x.wav: byte 0: expected 'MThd' (a standard MIDI file), found 'RIFF'"
        }
    }

    @Test func dataByteWhereAStatusIsNeededIsAnError() {
        let bytes = header(format: 0, tracks: 1, ppq: 96) + track([0, 60, 100])
        #expect {
            try MIDIFile(bytes: bytes, file: "bad.mid")
        } throws: { error in
            let e = error as? MIDIFileError
            return e?.offset == 23 && e?.message.contains("running status") == true
        }
    }

    @Test func writerRoundTrips() throws {
        let notes = [MIDIFile.Note(pitch: 60, velocity: 90, channel: 0, onset: 0, duration: 0.5),
                     MIDIFile.Note(pitch: 64, velocity: 91, channel: 0, onset: 0.5, duration: 0.5),
                     MIDIFile.Note(pitch: 64, velocity: 70, channel: 0, onset: 1, duration: 1.25)]
        let drums = [MIDIFile.Note(pitch: 36, velocity: 100, channel: 9, onset: 0, duration: 0.1)]
        let file = MIDIFile(tracks: [.init(name: "lead", notes: notes), .init(notes: drums)],
                            tempos: [.init(microsecondsPerBeat: 600_000)],
                            timeSignatures: [.init(numerator: 6, denominator: 8)],
                            keySignatures: [.init(sharps: -3, minor: true)])
        let back = try MIDIFile(bytes: file.encoded())
        #expect(back.tracks.count == 3)
        #expect(back.tracks[1].name == "lead")
        #expect(back.tracks[1].notes == notes)
        #expect(back.tracks[2].notes.map(\.pitch) == [36] && back.tracks[2].notes[0].isDrum)
        #expect(back.meter == MIDIFile.TimeSignature(numerator: 6, denominator: 8))
        #expect(back.keySignatures == [.init(sharps: -3, minor: true)])
        #expect(back.keySignatures[0].tonic == 0)  // C minor
        #expect(back.tempos == [.init(microsecondsPerBeat: 600_000)])
    }
}
