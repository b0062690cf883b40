/// Parsing of the standard MIDI file byte format (SMF 1.0): chunks, variable-length deltas,
/// running status, meta and sysex events. Notes are paired on (channel, pitch), first in first out.
extension MIDIFile {
    public init(bytes: [UInt8], file: String = "<memory>") throws {
        var r = ByteReader(bytes: bytes, file: file)
        try r.expectTag("MThd")
        let headerLength = try r.uint32("header length")
        guard headerLength >= 6 else { throw r.error("header length 6 or more, found \(headerLength)") }
        let format = try r.uint16("format")
        guard format <= 1 else { throw r.error(at: r.offset - 2, "format 0 or 1, found \(format) (format 2 is not supported)") }
        let trackCount = try r.uint16("track count")
        let division = try r.uint16("time division")
        guard division & 0x8000 == 0, division > 0 else {
            throw r.error(at: r.offset - 2, "ticks per quarter note (SMPTE time division is not supported)")
        }
        try r.skip(Int(headerLength) - 6, "rest of the header")
        let ppq = Double(division)
        var tracks: [Track] = []
        var tempos: [TempoChange] = []
        var times: [TimeSignature] = []
        var keys: [KeySignature] = []
        while tracks.count < trackCount {
            let chunkStart = r.offset
            let tag = try r.tag()
            let length = Int(try r.uint32("chunk length"))
            guard r.offset + length <= bytes.count else {
                throw r.error(at: chunkStart + 4, "a chunk of \(length) bytes, but the file ends after \(bytes.count - r.offset)")
            }
            guard tag == "MTrk" else { try r.skip(length, "unknown chunk"); continue }
            let end = r.offset + length
            var tick = 0
            var status: UInt8 = 0
            var name: String?
            var notes: [Note] = []
            var open: [Int: [(tick: Int, velocity: Int)]] = [:]
            func close(_ channel: Int, _ pitch: Int, at tick: Int) {
                let k = channel * 128 + pitch
                guard var stack = open[k], !stack.isEmpty else { return }
                let on = stack.removeFirst()
                open[k] = stack
                notes.append(Note(pitch: pitch, velocity: on.velocity, channel: channel,
                                  onset: Double(on.tick) / ppq, duration: Double(tick - on.tick) / ppq))
            }
            var endOfTrack = false
            while r.offset < end && !endOfTrack {
                tick += try r.varLength("delta time", limit: end)
                var byte = try r.byte("event status", limit: end)
                if byte < 0x80 {
                    guard status >= 0x80 && status < 0xF0 else {
                        throw r.error(at: r.offset - 1, "a status byte (no running status is in effect), found 0x\(String(byte, radix: 16))")
                    }
                    r.offset -= 1  // running status: this byte is the first data byte
                    byte = status
                } else if byte < 0xF0 {
                    status = byte
                }
                switch byte {
                case 0xFF:
                    let type = try r.byte("meta event type", limit: end)
                    let len = try r.varLength("meta event length", limit: end)
                    let at = r.offset
                    let data = try r.bytes(len, "meta event data", limit: end)
                    let beat = Double(tick) / ppq
                    switch type {
                    case 0x03: name = String(decoding: data, as: UTF8.self)
                    case 0x2F: endOfTrack = true
                    case 0x51:
                        guard len == 3 else { throw r.error(at: at, "3 bytes of tempo, found \(len)") }
                        tempos.append(TempoChange(beat: beat, microsecondsPerBeat: Int(data[0]) << 16 | Int(data[1]) << 8 | Int(data[2])))
                    case 0x58:
                        guard len >= 2 else { throw r.error(at: at, "4 bytes of time signature, found \(len)") }
                        times.append(TimeSignature(beat: beat, numerator: Int(data[0]), denominator: 1 << Int(min(data[1], 6))))
                    case 0x59:
                        guard len == 2 else { throw r.error(at: at, "2 bytes of key signature, found \(len)") }
                        keys.append(KeySignature(beat: beat, sharps: Int(Int8(bitPattern: data[0])), minor: data[1] == 1))
                    default: break
                    }
                case 0xF0, 0xF7:
                    let len = try r.varLength("sysex length", limit: end)
                    try r.skip(len, "sysex data", limit: end)
                    status = 0
                default:
                    let kind = byte & 0xF0
                    let channel = Int(byte & 0x0F)
                    let d1 = Int(try r.data("first data byte", limit: end))
                    let d2 = kind == 0xC0 || kind == 0xD0 ? 0 : Int(try r.data("second data byte", limit: end))
                    if kind == 0x90 && d2 > 0 {
                        open[channel * 128 + d1, default: []].append((tick, d2))
                    } else if kind == 0x80 || kind == 0x90 {
                        close(channel, d1, at: tick)
                    }
                }
            }
            // Notes still sounding when the track ends stop there.
            for k in open.keys.sorted() { while open[k]?.isEmpty == false { close(k / 128, k % 128, at: tick) } }
            r.offset = end
            notes.sort { ($0.onset, $0.pitch) < ($1.onset, $1.pitch) }
            tracks.append(Track(name: name, notes: notes))
        }
        self.init(format: Int(format), ticksPerBeat: Int(division), tracks: tracks, tempos: tempos,
                  timeSignatures: times.sorted { $0.beat < $1.beat }, keySignatures: keys.sorted { $0.beat < $1.beat })
    }
}

/// A cursor over the file's bytes whose every read names what it expected.
private struct ByteReader {
    let bytes: [UInt8]
    let file: String
    var offset = 0

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    func error(at: Int? = nil, _ message: String) -> MIDIFileError {
        MIDIFileError(file: file, offset: at ?? offset, message: "expected \(message)")
    }

    mutating func byte(_ what: String, limit: Int? = nil) throws -> UInt8 {
        guard offset < (limit ?? bytes.count) else { throw error("\(what), but the \(limit == nil ? "file" : "track") ends") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func data(_ what: String, limit: Int) throws -> UInt8 {
        let b = try byte(what, limit: limit)
        guard b < 0x80 else { throw error(at: offset - 1, "\(what) (0...127), found 0x\(String(b, radix: 16))") }
        return b
    }

    mutating func bytes(_ n: Int, _ what: String, limit: Int) throws -> [UInt8] {
        guard offset + n <= limit else { throw error("\(n) bytes of \(what), but the track ends after \(limit - offset)") }
        defer { offset += n }
        return Array(bytes[offset..<offset + n])
    }

    mutating func skip(_ n: Int, _ what: String, limit: Int? = nil) throws {
        guard offset + n <= (limit ?? bytes.count) else { throw error("\(n) bytes of \(what), but the data ends") }
        offset += n
    }

    mutating func uint16(_ what: String) throws -> Int {
        Int(try byte(what)) << 8 | Int(try byte(what))
    }

    mutating func uint32(_ what: String) throws -> Int {
        var v = 0
        for _ in 0..<4 { v = v << 8 | Int(try byte(what)) }
        return v
    }

    mutating func tag() throws -> String {
        guard offset + 4 <= bytes.count else { throw error("a chunk tag (MTrk), but the file ends") }
        defer { offset += 4 }
        return String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
    }

    mutating func expectTag(_ t: String) throws {
        let at = offset
        let found = try tag()
        guard found == t else { throw error(at: at, "'\(t)' (a standard MIDI file), found '\(found)'") }
    }

    /// Variable-length quantity: 7 bits a byte, high bit set on all but the last, at most 4 bytes.
    mutating func varLength(_ what: String, limit: Int) throws -> Int {
        let at = offset
        var v = 0
        for _ in 0..<4 {
            let b = try byte(what, limit: limit)
            v = v << 7 | Int(b & 0x7F)
            if b & 0x80 == 0 { return v }
        }
        throw error(at: at, "\(what) of at most 4 bytes")
    }
}
