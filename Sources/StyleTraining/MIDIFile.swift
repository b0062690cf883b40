import Foundation

/// A standard MIDI file (format 0 or 1), read into notes with onsets and lengths in beats
/// (quarter notes), so style training never sees ticks or running status.
public struct MIDIFile: Sendable {
    public struct Note: Hashable, Sendable {
        public var pitch: Int
        public var velocity: Int
        /// 0...15; 9 is General MIDI channel 10, the drums.
        public var channel: Int
        /// In beats (quarter notes) from the start of the file.
        public var onset: Double
        public var duration: Double

        public init(pitch: Int, velocity: Int, channel: Int, onset: Double, duration: Double) {
            self.pitch = pitch
            self.velocity = velocity
            self.channel = channel
            self.onset = onset
            self.duration = duration
        }

        public var isDrum: Bool { channel == 9 }
    }

    public struct Track: Sendable {
        public var name: String?
        public var notes: [Note]

        public init(name: String? = nil, notes: [Note]) {
            self.name = name
            self.notes = notes
        }
    }

    public struct TimeSignature: Hashable, Sendable {
        public var beat: Double
        public var numerator: Int
        public var denominator: Int

        public init(beat: Double = 0, numerator: Int, denominator: Int) {
            self.beat = beat
            self.numerator = numerator
            self.denominator = denominator
        }

        /// Bar length in sixteenths: 4/4 is 16, 6/8 is 12, 2/2 is 16.
        public var sixteenthsPerBar: Int { numerator * 16 / max(1, denominator) }
    }

    public struct KeySignature: Hashable, Sendable {
        public var beat: Double
        /// Sharps positive, flats negative.
        public var sharps: Int
        public var minor: Bool

        public init(beat: Double = 0, sharps: Int, minor: Bool) {
            self.beat = beat
            self.sharps = sharps
            self.minor = minor
        }

        /// Tonic pitch class: the major key on the circle of fifths, or its relative minor.
        public var tonic: Int { ((sharps * 7) % 12 + 12 + (minor ? 9 : 0)) % 12 }
    }

    public struct TempoChange: Hashable, Sendable {
        public var beat: Double
        public var microsecondsPerBeat: Int

        public init(beat: Double = 0, microsecondsPerBeat: Int) {
            self.beat = beat
            self.microsecondsPerBeat = microsecondsPerBeat
        }

        public var bpm: Double { 60_000_000 / Double(microsecondsPerBeat) }
    }

    public var format: Int
    public var ticksPerBeat: Int
    public var tracks: [Track]
    public var tempos: [TempoChange]
    public var timeSignatures: [TimeSignature]
    public var keySignatures: [KeySignature]

    public init(format: Int = 1, ticksPerBeat: Int = 480, tracks: [Track], tempos: [TempoChange] = [],
                timeSignatures: [TimeSignature] = [], keySignatures: [KeySignature] = []) {
        self.format = format
        self.ticksPerBeat = ticksPerBeat
        self.tracks = tracks
        self.tempos = tempos
        self.timeSignatures = timeSignatures
        self.keySignatures = keySignatures
    }

    /// Every note of every track, by onset.
    public var allNotes: [Note] {
        tracks.flatMap(\.notes).sorted { ($0.onset, $0.pitch) < ($1.onset, $1.pitch) }
    }

    /// The first time signature, or 4/4 when the file has none (as the MIDI standard says).
    public var meter: TimeSignature { timeSignatures.first ?? TimeSignature(numerator: 4, denominator: 4) }

    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MIDIFileError(file: path, offset: 0, message: "cannot read the file")
        }
        try self.init(bytes: [UInt8](data), file: path)
    }
}

/// What went wrong reading a MIDI file, and where: people fix files with a hex dump open.
public struct MIDIFileError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var offset: Int
    public var message: String

    public var description: String { "\(file): byte \(offset): \(message)" }
}
