import CJack
import Engine
import Realtime
import Logging
import Synchronization

/// What the process callback needs, reached through JACK's `void *arg`. Holds the stage and
/// the two output ports of one JACK client session, plus the load and xrun figures the callback
/// publishes through atomics.
final class ProcessContext: @unchecked Sendable {
    let stage: Unmanaged<Stage>
    let left: OpaquePointer
    let right: OpaquePointer
    let period: Atomic<Int>
    /// Nanoseconds spent in the last callback, and the worst since the last read.
    let lastNanoseconds = Atomic<UInt64>(0)
    let worstNanoseconds = Atomic<UInt64>(0)
    /// Exponential average of callback time / period, in millionths.
    let loadPPM = Atomic<Int>(0)
    let xruns: Atomic<Int>
    let sampleRate: Double
    let client: OpaquePointer
    /// JACK's frame counter minus our audio clock, for converting times to our frames.
    let frameOffset = Atomic<Int64>(0)
    let offsetKnown = Atomic<Bool>(false)
    /// The live player's MIDI input port, and where its notes go.
    let midiIn: OpaquePointer?
    let player: Unmanaged<PlayerInput>
    /// MIDI output ports, one per agent (empty without `--midi-out`), and their channels
    /// (0-based: 9 is General MIDI's drum channel).
    let midiOuts: UnsafeMutablePointer<OpaquePointer?>
    let midiChannels: UnsafeMutablePointer<UInt8>
    let midiOutCount: Int
    /// Stem ports, L and R per agent (empty without `--stems`).
    let stemPorts: UnsafeMutablePointer<OpaquePointer?>
    let stemCount: Int

    init(stage: Stage, client: OpaquePointer, left: OpaquePointer, right: OpaquePointer, midiIn: OpaquePointer?,
         period: Int, sampleRate: Double, xruns: Int, stems: [OpaquePointer] = [],
         midiOuts outs: [(port: OpaquePointer, channel: UInt8)] = []) {
        midiOutCount = outs.count
        midiOuts = .allocate(capacity: max(1, outs.count))
        midiOuts.initialize(repeating: nil, count: max(1, outs.count))
        midiChannels = .allocate(capacity: max(1, outs.count))
        midiChannels.initialize(repeating: 0, count: max(1, outs.count))
        for (i, o) in outs.enumerated() {
            midiOuts[i] = o.port
            midiChannels[i] = o.channel
        }
        stemCount = stems.count / 2
        stemPorts = .allocate(capacity: max(1, stems.count))
        stemPorts.initialize(repeating: nil, count: max(1, stems.count))
        for (i, p) in stems.enumerated() { stemPorts[i] = p }
        self.client = client
        self.stage = Unmanaged.passUnretained(stage)
        self.player = Unmanaged.passUnretained(stage.player)
        self.midiIn = midiIn
        self.left = left
        self.right = right
        self.period = Atomic(period)
        self.sampleRate = sampleRate
        self.xruns = Atomic(xruns)
    }

    deinit {
        stemPorts.deallocate()
        midiOuts.deallocate()
        midiChannels.deallocate()
    }

    /// The JACK process callback's body.
    // real time
    @_noAllocation @_noLocks
    func process(frames: Int) {
        Realtime.flushDenormals()
        let start = Realtime.nowNanoseconds()
        let leftPort = left, rightPort = right, n = jack_nframes_t(frames)
        let l = _unsafePerformance { jack_port_get_buffer(leftPort, n) }
        let r = _unsafePerformance { jack_port_get_buffer(rightPort, n) }
        guard let l, let r else { return }
        let lp = l.assumingMemoryBound(to: Float.self)
        let rp = r.assumingMemoryBound(to: Float.self)
        let c = client
        let jackFrame = Int64(_unsafePerformance { jack_last_frame_time(c) })
        let ours = stage._withUnsafeGuaranteedRef { $0.audioClock }
        frameOffset.store(jackFrame - ours, ordering: .relaxed)
        offsetKnown.store(true, ordering: .releasing)
        if let midiIn { hearPlayer(port: midiIn, frames: n, clock: ours) }
        stage._withUnsafeGuaranteedRef { $0.render(frames: frames, left: lp, right: rp) }
        for i in 0..<stemCount { writeStem(i, frames: frames) }
        if midiOutCount > 0 { sendNotes(frames: n) }
        let spent = Realtime.nowNanoseconds() &- start
        lastNanoseconds.store(spent, ordering: .relaxed)
        if spent > worstNanoseconds.load(ordering: .relaxed) { worstNanoseconds.store(spent, ordering: .relaxed) }
        let periodNanoseconds = Double(frames) / sampleRate * 1e9
        let ppm = Int(Double(spent) / periodNanoseconds * 1e6)
        let old = loadPPM.load(ordering: .relaxed)
        loadPPM.store(old + (ppm - old) / 16, ordering: .relaxed)
    }
}

extension ProcessContext {
    /// Hands this period's note-on/off messages from the MIDI input to the band, stamped on the
    /// audio clock at their offset in the period. Other messages are ignored.
    // real time
    @_noAllocation @_noLocks
    func hearPlayer(port: OpaquePointer, frames: jack_nframes_t, clock: Int64) {
        guard let buffer = _unsafePerformance({ jack_port_get_buffer(port, frames) }) else { return }
        let count = _unsafePerformance { jack_midi_get_event_count(buffer) }
        var index: UInt32 = 0
        while index < count {
            var event = jack_midi_event_t()
            let ok = _unsafePerformance { jack_midi_event_get(&event, buffer, index) } == 0
            index += 1
            guard ok, event.size >= 3, let bytes = event.buffer else { continue }
            let status = bytes[0] & 0xF0
            guard status == 0x90 || status == 0x80 else { continue }
            let velocity = bytes[2] & 0x7F
            let e = PlayerEvent(frame: clock + Int64(event.time), note: bytes[1] & 0x7F, velocity: velocity,
                                isOn: status == 0x90 && velocity > 0)
            _ = player._withUnsafeGuaranteedRef { $0.push(e) }
        }
    }

    /// Sends the notes the band played this period on the agents' MIDI ports, each at its own
    /// offset; "all notes off" goes out as CC 123.
    // real time
    @_noAllocation @_noLocks
    func sendNotes(frames: jack_nframes_t) {
        for i in 0..<midiOutCount {
            guard let port = midiOuts[i], let buffer = _unsafePerformance({ jack_port_get_buffer(port, frames) }) else { continue }
            _unsafePerformance { jack_midi_clear_buffer(buffer) }
        }
        let notes = stage._withUnsafeGuaranteedRef { $0.tappedNotes() }
        for k in 0..<notes.count {
            let n = notes[k]
            let t = Int(n.track)
            guard t < midiOutCount, let port = midiOuts[t], jack_nframes_t(n.offset) < frames,
                  let buffer = _unsafePerformance({ jack_port_get_buffer(port, frames) }) else { continue }
            let channel = midiChannels[t]
            var bytes: (UInt8, UInt8, UInt8)
            if n.note == TappedNote.allNotesOff {
                bytes = (0xB0 | channel, 123, 0)
            } else {
                bytes = (n.velocity > 0 ? 0x90 | channel : 0x80 | channel, n.note, n.velocity)
            }
            // A full port buffer drops the event: the audio thread never waits.
            _ = withUnsafeBytes(of: &bytes) { raw in
                _unsafePerformance { jack_midi_event_write(buffer, jack_nframes_t(n.offset), raw.baseAddress!.assumingMemoryBound(to: UInt8.self), 3) }
            }
        }
    }

    /// Copies agent `index`'s stem into its two ports (silence if the block is longer than the
    /// stems kept, or the patch playing now has fewer agents).
    // real time
    @_noAllocation @_noLocks
    func writeStem(_ index: Int, frames: Int) {
        let n = jack_nframes_t(frames)
        guard let lPort = stemPorts[2 * index], let rPort = stemPorts[2 * index + 1] else { return }
        let l = _unsafePerformance { jack_port_get_buffer(lPort, n) }
        let r = _unsafePerformance { jack_port_get_buffer(rPort, n) }
        guard let l, let r else { return }
        let lp = l.assumingMemoryBound(to: Float.self), rp = r.assumingMemoryBound(to: Float.self)
        let stem = stage._withUnsafeGuaranteedRef { s in frames <= s.stemFrames ? s.stem(index) : nil }
        if let stem {
            let sl = stem.left, sr = stem.right
            for i in 0..<frames {
                lp[i] = sl[i]
                rp[i] = sr[i]
            }
        } else {
            lp.update(repeating: 0, count: frames)
            rp.update(repeating: 0, count: frames)
        }
    }
}

// C callbacks are top-level functions: JACK calls them on its own threads, and a closure stored
// in a global of main.swift would be main-actor isolated (and crash there).

func jackProcess(_ frames: jack_nframes_t, _ arg: UnsafeMutableRawPointer?) -> Int32 {
    guard let arg else { return 0 }
    Unmanaged<ProcessContext>.fromOpaque(arg)._withUnsafeGuaranteedRef { $0.process(frames: Int(frames)) }
    return 0
}

func jackXrun(_ arg: UnsafeMutableRawPointer?) -> Int32 {
    guard let arg else { return 0 }
    Unmanaged<ProcessContext>.fromOpaque(arg)._withUnsafeGuaranteedRef { _ = $0.xruns.add(1, ordering: .relaxed) }
    return 0
}

func jackBufferSize(_ frames: jack_nframes_t, _ arg: UnsafeMutableRawPointer?) -> Int32 {
    guard let arg else { return 0 }
    Unmanaged<ProcessContext>.fromOpaque(arg)._withUnsafeGuaranteedRef { $0.period.store(Int(frames), ordering: .relaxed) }
    return 0
}

func jackShutdown(_ code: jack_status_t, _ reason: UnsafePointer<CChar>?, _ arg: UnsafeMutableRawPointer?) {
    guard let arg else { return }
    let text = reason.map { String(cString: $0) } ?? "no reason given"
    Unmanaged<JackOutput>.fromOpaque(arg).takeUnretainedValue().serverWentAway(reason: text)
}

/// libjack's own messages ("Cannot connect to server socket" on every reconnect attempt) go to
/// our log at debug level instead of raw stderr; our own lines already say what happened.
func jackMessage(_ text: UnsafePointer<CChar>?) {
    guard let text else { return }
    Logger(label: "jack").debug("\(String(cString: text))")
}
