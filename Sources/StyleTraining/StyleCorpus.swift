import Ensemble
import Foundation
import Music

/// Turning MIDI files into what the style models count: melodic lines, grooves and
/// progressions. Onsets are quantised to sixteenths; bar lines come from the first time
/// signature (a pickup must be padded to a full bar, as Tools/export-corpus.py does).
extension MIDIFile {
    public enum Voice: Sendable { case highest, lowest }

    /// Sixteenths per bar of the file, when the style models can use it: bars of 16 (4/4, 2/2)
    /// as they are, bars of 8 (2/4) paired into 16. Nil for other meters (3/4, 6/8...).
    public var modelBarSteps: Int? {
        let s = meter.sixteenthsPerBar
        return s == 16 || s == 8 ? 16 : nil
    }

    /// The pitched voice of the file with the highest (or lowest) mean pitch, a voice being the
    /// notes of one track on one channel, reduced to one note at a time (top or bottom note).
    public func melody(_ voice: Voice) -> (steps: [MelodyStep], firstPitch: Int)? {
        guard let barSteps = modelBarSteps else { return nil }
        var groups: [Int: [Note]] = [:]
        for (t, track) in tracks.enumerated() {
            for n in track.notes where !n.isDrum { groups[t * 16 + n.channel, default: []].append(n) }
        }
        let voices = groups.values.filter { $0.count >= 8 }
        func mean(_ v: [Note]) -> Double { Double(v.map(\.pitch).reduce(0, +)) / Double(v.count) }
        guard let chosen = voice == .highest ? voices.max(by: { mean($0) < mean($1) }) : voices.min(by: { mean($0) < mean($1) })
        else { return nil }
        let origin = Int((meter.beat * 4).rounded())
        // One note per sixteenth onset: the top (or bottom) of any chord.
        var byOnset: [Int: (pitch: Int, end: Int)] = [:]
        for n in chosen {
            let q = Int((n.onset * 4).rounded())
            let end = max(q + 1, Int(((n.onset + n.duration) * 4).rounded()))
            if let old = byOnset[q], voice == .highest ? old.pitch >= n.pitch : old.pitch <= n.pitch { continue }
            byOnset[q] = (n.pitch, end)
        }
        let onsets = byOnset.keys.sorted().filter { $0 >= origin }
        guard onsets.count >= 2 else { return nil }
        var steps: [MelodyStep] = []
        var previous: Int?
        func emit(_ interval: Int?, from start: Int, length: Int) {
            var at = start
            var left = length
            var first = true
            while left > 0 {
                let l = min(16, left)
                steps.append(MelodyStep(interval: first ? interval : nil, sixteenths: l, position: (at - origin) % barSteps))
                first = false
                at += l
                left -= l
            }
        }
        for (i, q) in onsets.enumerated() {
            let note = byOnset[q]!
            let next = i + 1 < onsets.count ? onsets[i + 1] : note.end
            var end = min(note.end, next)
            // A short gap is articulation, not a rest.
            if next - end < 2 { end = next }
            emit(previous.map { note.pitch - $0 } ?? 0, from: q, length: end - q)
            if next > end { emit(nil, from: end, length: next - end) }
            previous = note.pitch
        }
        return (steps, byOnset[onsets[0]]!.pitch)
    }

    /// The drum part (channel 10) as one `DrumClass` bitmask per sixteenth from the first bar line.
    public func groove() -> [UInt16]? {
        guard let barSteps = modelBarSteps else { return nil }
        let origin = Int((meter.beat * 4).rounded())
        var masks: [Int: UInt16] = [:]
        for n in allNotes where n.isDrum {
            let q = Int((n.onset * 4).rounded()) - origin
            guard q >= 0 else { continue }
            masks[q, default: 0] |= DrumClass(generalMIDINote: n.pitch).bit
        }
        guard let last = masks.keys.max() else { return nil }
        let length = (last / barSteps + 1) * barSteps
        return (0..<length).map { masks[$0] ?? 0 }
    }

    /// The key: the first key signature, or else the Krumhansl–Kessler estimate from the notes.
    public func key() -> (tonic: Int, minor: Bool) {
        if let k = keySignatures.first { return (k.tonic, k.minor) }
        return KeyFinder.estimate(allNotes.filter { !$0.isDrum })
    }

    /// Chords per beat from all pitched notes, named relative to the key, repeats merged.
    public func progression() -> (chords: [ChordSymbol], minor: Bool) {
        let notes = allNotes.filter { !$0.isDrum }
        let (tonic, minor) = key()
        guard let end = notes.map({ $0.onset + $0.duration }).max() else { return ([], minor) }
        var chords: [ChordSymbol] = []
        var beat = 0.0
        var i = 0
        var sounding: [Note] = []
        while beat < end {
            while i < notes.count && notes[i].onset < beat + 1 { sounding.append(notes[i]); i += 1 }
            sounding.removeAll { $0.onset + $0.duration <= beat }
            var weights = [Double](repeating: 0, count: 12)
            for n in sounding {
                // Notes struck inside the beat are often passing tones: they count half.
                let overlap = min(beat + 1, n.onset + n.duration) - max(beat, n.onset)
                if overlap > 0 { weights[((n.pitch - tonic) % 12 + 12) % 12] += overlap * (n.onset > beat + 0.01 ? 0.5 : 1) }
            }
            let bass = sounding.filter { $0.onset <= beat + 0.01 }.min { $0.pitch < $1.pitch } ?? sounding.min { $0.pitch < $1.pitch }
            if weights.reduce(0, +) >= 0.5, let bass,
               let chord = ChordFinder.best(weights: weights, bass: ((bass.pitch - tonic) % 12 + 12) % 12, minor: minor),
               chord != chords.last {
                chords.append(chord)
            }
            beat += 1
        }
        return (chords, minor)
    }
}

/// Krumhansl–Schmuckler key finding: the key whose Krumhansl–Kessler profile correlates best
/// with how long each pitch class sounds.
public enum KeyFinder {
    static let major = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88]
    static let minor = [6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17]

    public static func estimate(_ notes: [MIDIFile.Note]) -> (tonic: Int, minor: Bool) {
        var histogram = [Double](repeating: 0, count: 12)
        for n in notes { histogram[((n.pitch % 12) + 12) % 12] += n.duration }
        var best = (tonic: 0, minor: false, r: -2.0)
        for isMinor in [false, true] {
            for tonic in 0..<12 {
                let profile = (0..<12).map { (isMinor ? minor : major)[(($0 - tonic) % 12 + 12) % 12] }
                let r = correlation(histogram, profile)
                if r > best.r { best = (tonic, isMinor, r) }
            }
        }
        return (best.tonic, best.minor)
    }

    static func correlation(_ a: [Double], _ b: [Double]) -> Double {
        let ma = a.reduce(0, +) / Double(a.count), mb = b.reduce(0, +) / Double(b.count)
        var num = 0.0, da = 0.0, db = 0.0
        for i in a.indices {
            num += (a[i] - ma) * (b[i] - mb)
            da += (a[i] - ma) * (a[i] - ma)
            db += (b[i] - mb) * (b[i] - mb)
        }
        return da > 0 && db > 0 ? num / (da * db).squareRoot() : 0
    }
}

/// Naming the chord of a beat: the template (root on a scale degree, quality) that covers the
/// sounding weight best, with the bass as a hint for the root.
enum ChordFinder {
    /// Semitones above the tonic that can carry a root, and their scale degree. In minor the
    /// leading tone is left out: its diminished chord is read as a rootless V7.
    static let majorRoots: [(pc: Int, degree: Int)] = [(0, 0), (2, 1), (4, 2), (5, 3), (7, 4), (9, 5), (11, 6)]
    static let minorRoots: [(pc: Int, degree: Int)] = [(0, 0), (2, 1), (3, 2), (5, 3), (7, 4), (8, 5), (10, 6)]

    static func best(weights: [Double], bass: Int, minor: Bool) -> ChordSymbol? {
        let total = weights.reduce(0, +)
        guard total > 0 else { return nil }
        var best: (ChordSymbol, Double)?
        for root in minor ? minorRoots : majorRoots {
            for q in Chord.Quality.allCases where q != .augmented {
                let tones = Set(q.intervals.map { (root.pc + $0) % 12 })
                var score = 0.0
                for pc in 0..<12 { score += tones.contains(pc) ? weights[pc] : -0.6 * weights[pc] }
                for (k, iv) in q.intervals.enumerated() where weights[(root.pc + iv) % 12] == 0 {
                    score -= k == 2 ? 0.1 * total : 0.35 * total  // a missing fifth is usual
                }
                if bass == root.pc { score += 0.3 * total }
                if q.intervals.count == 4 { score -= 0.25 * total }
                if best == nil || score > best!.1 { best = (ChordSymbol(degree: root.degree, quality: q), score) }
            }
        }
        return best?.0
    }
}
