import Foundation

/// Writing format-1 files: a conductor track (tempo, meter, key) then one track per `Track`,
/// each note as note-on/note-off with running status, so a DAW opens what the band played.
extension MIDIFile {
    public func encoded() -> [UInt8] {
        let ppq = Double(ticksPerBeat)
        func ticks(_ beats: Double) -> Int { max(0, Int((beats * ppq).rounded())) }
        var out: [UInt8] = Array("MThd".utf8)
        out += be32(6) + be16(1) + be16(tracks.count + 1) + be16(ticksPerBeat)

        var meta: [(tick: Int, bytes: [UInt8])] = []
        for t in tempos {
            let us = t.microsecondsPerBeat
            meta.append((ticks(t.beat), [0xFF, 0x51, 3, UInt8(us >> 16 & 0xFF), UInt8(us >> 8 & 0xFF), UInt8(us & 0xFF)]))
        }
        for t in timeSignatures {
            let power = UInt8(max(0, Int(log2(Double(max(1, t.denominator))))))
            meta.append((ticks(t.beat), [0xFF, 0x58, 4, UInt8(t.numerator), power, 24, 8]))
        }
        for k in keySignatures {
            meta.append((ticks(k.beat), [0xFF, 0x59, 2, UInt8(bitPattern: Int8(k.sharps)), k.minor ? 1 : 0]))
        }
        out += chunk(events: meta.sorted { $0.tick < $1.tick })

        for track in tracks {
            var events: [(tick: Int, order: Int, bytes: [UInt8])] = []
            if let name = track.name {
                let n = Array(name.utf8)
                events.append((0, 0, [0xFF, 0x03] + varLength(n.count) + n))
            }
            for note in track.notes {
                let ch = UInt8(note.channel & 0x0F)
                let p = UInt8(min(127, max(0, note.pitch)))
                events.append((ticks(note.onset), 2, [0x90 | ch, p, UInt8(min(127, max(1, note.velocity)))]))
                // Offs sort before ons at the same tick so repeated notes re-strike.
                events.append((ticks(note.onset + note.duration), 1, [0x80 | ch, p, 0]))
            }
            out += chunk(events: events.sorted { ($0.tick, $0.order) < ($1.tick, $1.order) }.map { ($0.tick, $0.bytes) })
        }
        return out
    }

    public func write(to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(encoded())) else {
            throw MIDIFileError(file: path, offset: 0, message: "cannot write the file")
        }
    }
}

private func be16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
private func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

private func varLength(_ value: Int) -> [UInt8] {
    var v = value
    var out: [UInt8] = [UInt8(v & 0x7F)]
    v >>= 7
    while v > 0 {
        out.insert(UInt8(v & 0x7F) | 0x80, at: 0)
        v >>= 7
    }
    return out
}

/// One MTrk chunk; channel events reuse the previous status byte (running status).
private func chunk(events: [(tick: Int, bytes: [UInt8])]) -> [UInt8] {
    var body: [UInt8] = []
    var now = 0
    var status: UInt8 = 0
    for e in events {
        body += varLength(e.tick - now)
        now = e.tick
        let s = e.bytes[0]
        if s < 0xF0 && s == status {
            body += e.bytes.dropFirst()
        } else {
            body += e.bytes
            status = s < 0xF0 ? s : 0
        }
    }
    body += [0, 0xFF, 0x2F, 0]
    return Array("MTrk".utf8) + be32(body.count) + body
}
