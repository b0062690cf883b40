import ArgumentParser
import DSP
import Engine
import Foundation
import Realtime

/// `polyphon-bench workload`: the fixed synth workload (W1/W2 of the cost comparison) rendered by the real
/// engine offline, so its cost can be set against scsynth and Csound running the very same score
/// (Benchmarks/versus.py writes that score from the same seed and generator).
struct Workload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render the cost-comparison workload (N voices of two detuned saws into a resonant low-pass, retriggered every 250 ms) and print its CPU cost.")

    @Option(help: "Voices sounding at once.") var voices: Int = 64
    @Option(help: "Seconds of audio.") var seconds: Double = 60
    @Option(help: "Seed of the pitch sequence.") var seed: UInt64 = 1
    @Option(help: "Frames per render call.") var block: Int = 64
    @Option(help: "Move every event to the start of its N-frame block (64: the timing scsynth and Csound give a score by default); 1 keeps them sample-exact.") var align: Int = 1
    @Option(help: "Write the render here (32-bit float stereo WAV).") var out: String?
    @Option(help: "Write the note-ons here (CSV: frame,track,note), to check another engine plays the same score.") var score: String?

    func validate() throws {
        guard (1...1024).contains(voices) else { throw ValidationError("--voices must be 1...1024") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        guard (1...4096).contains(block) else { throw ValidationError("--block must be 1...4096") }
        guard (1...4096).contains(align) else { throw ValidationError("--align must be 1...4096") }
    }

    func run() throws {
        let rate = 48000
        let workload = WorkloadScore(voices: voices, seed: seed, sampleRate: rate)
        let renderer = Renderer(tracks: workload.tracks, masterGain: 1, ceilingDB: -1, sampleRate: Float(rate))
        let total = Int(seconds * Double(rate))
        if let score { try Workload.noteList(score: workload, frames: total).write(toFile: score, atomically: true, encoding: .utf8) }
        // Touched up front, so page faults stay out of the measured loop.
        var left = [Float](repeating: 0, count: total)
        var right = [Float](repeating: 0, count: total)
        var cursor = workload.makeCursor()
        // Voices are counted once every voice has had its first note and its first release.
        let settled = Int64(workload.period + workload.gateFrames)
        var fewest = Int.max
        var most = 0
        var voiceSum = 0
        var voiceBlocks = 0
        var dropped = 0

        Realtime.flushDenormals()
        let wall0 = Realtime.nowNanoseconds()
        let cpu0 = Realtime.threadCPUNanoseconds()
        left.withUnsafeMutableBufferPointer { l in
            right.withUnsafeMutableBufferPointer { r in
                var done = 0
                while done < total {
                    let n = min(block, total - done)
                    let end = Int64(done + n)
                    while var e = cursor.next(before: end) {
                        e.frame -= e.frame % Int64(align)
                        if !renderer.events.push(e) { dropped += 1 }
                    }
                    renderer.render(frames: n, left: l.baseAddress! + done, right: r.baseAddress! + done)
                    done += n
                    if end >= settled {
                        let v = renderer.activeVoices
                        fewest = min(fewest, v)
                        most = max(most, v)
                        voiceSum += v
                        voiceBlocks += 1
                    }
                }
            }
        }
        let cpu = Double(Realtime.threadCPUNanoseconds() - cpu0) / 1e9
        let wall = Double(Realtime.nowNanoseconds() - wall0) / 1e9

        var peak: Float = 0
        var nans = 0
        for i in 0..<total {
            let l = left[i], r = right[i]
            if l.isFinite { peak = max(peak, abs(l)) } else { nans += 1 }
            if r.isFinite { peak = max(peak, abs(r)) } else { nans += 1 }
        }
        if let out { try WaveFile.write(path: out, left: left, right: right, sampleRate: rate) }
        if fewest == Int.max { fewest = renderer.activeVoices; most = fewest }
        print(String(format: "workload voices=%d seconds=%g block=%d align=%d seed=%llu cpu_seconds=%.4f wall_seconds=%.4f cpu_per_audio_second=%.6f realtime_ratio=%.2f",
                     voices, seconds, block, align, seed, cpu, wall, cpu / seconds, seconds / cpu))
        let mean = voiceBlocks > 0 ? Double(voiceSum) / Double(voiceBlocks) : Double(fewest)
        print("check active_voices_min=\(fewest) active_voices_mean=\(String(format: "%.2f", mean)) active_voices_max=\(most) notes=\(cursor.notesOn) peak=\(String(format: "%.4f", peak)) nan_count=\(nans) late_events=\(renderer.lateEvents) dropped_events=\(dropped) voice_resets=\(renderer.voiceResets)")
        if nans > 0 || peak <= 0 || dropped > 0 {
            throw ValidationError("the workload render is void (NaN/Inf samples, silence or dropped events)")
        }
    }

    static func noteList(score: WorkloadScore, frames: Int) -> String {
        var cursor = score.makeCursor()
        var text = "frame,track,note\n"
        while let e = cursor.next(before: Int64(frames)) {
            if case .noteOn = e.kind { text += "\(e.frame),\(e.track),\(e.note)\n" }
        }
        return text
    }
}

/// The workload's score: voice slot k is retriggered every `period` frames, slots staggered evenly
/// across the period so the load is even; each note is held `gateFrames` and released for the rest
/// of the period, so every slot always sounds.
///
/// A note-off names a pitch, so no two held notes of one track may share one, or the wrong voice
/// would be released and the voice count would sag: slots are dealt round-robin to tracks of at
/// most 64 voices, and a pitch already held on the track is drawn again. Pitches come from
/// SplitMix64 in note-on order, the generator Benchmarks/versus.py uses for scsynth and Csound.
struct WorkloadScore {
    let voices: Int
    let seed: UInt64
    let period: Int
    let gateFrames: Int
    let tracks: [Renderer.TrackSetup]

    static let lowestNote = 36
    static let noteSpan: UInt64 = 60
    static let voicesPerTrack = 64

    init(voices: Int, seed: UInt64, sampleRate: Int) {
        self.voices = voices
        self.seed = seed
        period = sampleRate / 4
        let release: Float = 0.05
        gateFrames = period - Int(release * Float(sampleRate))
        var s = SynthSettings()
        s.wave = .saw
        s.wave2 = .saw
        s.detune = 7
        s.resonance = 0.3
        s.attack = 0.005
        s.decay = 0.1
        s.sustain = 0.7
        s.release = release
        // A fixed 2 kHz cutoff: no filter envelope or key tracking, and the track's brightness sits
        // at its default 0.6, which scales the cutoff by 0.15 + 0.85 * 0.6.
        s.envAmount = 0
        s.keyTrack = 0
        s.cutoff = 2000 / (0.15 + 0.85 * 0.6)
        let trackCount = (voices + WorkloadScore.voicesPerTrack - 1) / WorkloadScore.voicesPerTrack
        tracks = (0..<trackCount).map { t in
            var settings = s
            settings.polyphony = (voices - t + trackCount - 1) / trackCount
            return Renderer.TrackSetup(instrument: .subtractive(settings), gain: 1 / Float(voices).squareRoot(), pan: 0)
        }
    }

    func track(ofSlot k: Int) -> Int { k % tracks.count }

    func makeCursor() -> Cursor { Cursor(score: self) }

    /// Walks the score in frame order (a note-off before a note-on at the same frame).
    struct Cursor {
        let score: WorkloadScore
        var rng: SplitMix64
        var nextOn = 0
        var nextOff = 0
        /// Pitch of each slot's latest note.
        var notes: [UInt8]
        /// Held notes per track and pitch (track * 128 + pitch), so a draw is checked in O(1).
        var held: [Int32]
        var notesOn: Int { nextOn }

        init(score: WorkloadScore) {
            self.score = score
            rng = SplitMix64(seed: score.seed)
            notes = [UInt8](repeating: 0, count: score.voices)
            held = [Int32](repeating: 0, count: score.tracks.count * 128)
        }

        func onFrame(_ i: Int) -> Int64 {
            Int64((i / score.voices) * score.period + (i % score.voices) * score.period / score.voices)
        }

        /// The next event due before `frame`, or nil.
        mutating func next(before frame: Int64) -> AudioEvent? {
            let off = nextOff < nextOn ? onFrame(nextOff) + Int64(score.gateFrames) : Int64.max
            let on = onFrame(nextOn)
            if off <= on && off < frame {
                let slot = nextOff % score.voices
                let track = score.track(ofSlot: slot)
                nextOff += 1
                held[track * 128 + Int(notes[slot])] -= 1
                return AudioEvent(frame: off, kind: .noteOff, track: UInt8(track), note: notes[slot])
            }
            if on < frame {
                let slot = nextOn % score.voices
                let track = score.track(ofSlot: slot)
                var note: UInt8
                repeat {
                    note = UInt8(WorkloadScore.lowestNote + Int(rng.next() % WorkloadScore.noteSpan))
                } while held[track * 128 + Int(note)] > 0
                held[track * 128 + Int(note)] += 1
                notes[slot] = note
                nextOn += 1
                return AudioEvent(frame: on, kind: .noteOn, track: UInt8(track), note: note, value: 0.8)
            }
            return nil
        }
    }
}

/// SplitMix64: tiny, seeded, and simple to write again in Python for the other engines' scores.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
