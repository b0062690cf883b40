import DSP
import Realtime
import Synchronization

/// The audio thread's whole world: drains sample-stamped events, renders every track and runs
/// the master bus. The JACK process callback and the offline renderer both call `render`.
///
/// Everything is allocated in `init` (on a control thread). `render` touches only pointers,
/// POD structs and atomics: no allocation, lock, ARC traffic or logging.
public final class Renderer: @unchecked Sendable {
    public let sampleRate: Float
    /// Events from the conductor, in frame order.
    public let events: SPSCQueue<AudioEvent>
    /// Frames rendered so far: the audio clock the music follows.
    private let clock = Atomic<Int64>(0)
    private let voiceCount = Atomic<Int>(0)
    private let lateCount = Atomic<Int>(0)
    private let resetCount = Atomic<Int>(0)
    /// Peak of the last block's output, as Float bits.
    private let peakBits = Atomic<UInt32>(0)
    public let trackCount: Int
    private let state: UnsafeMutablePointer<MasterState>
    private let tracks: UnsafeMutablePointer<Track>
    private let scratch: UnsafeMutablePointer<Float>
    /// Longest stretch rendered without re-checking events; bounds the scratch buffer.
    public static let maxChunk = 256

    struct MasterState {
        var limiter: Limiter
        var gain: Smoother
    }

    public struct TrackSetup: Sendable {
        public var instrument: InstrumentSpec
        public var gain: Float
        public var pan: Float

        public init(instrument: InstrumentSpec, gain: Float, pan: Float) {
            self.instrument = instrument
            self.gain = gain
            self.pan = pan
        }
    }

    /// - Parameters: ceiling in dBFS for the master limiter.
    public init(tracks setups: [TrackSetup], masterGain: Float, ceilingDB: Float, sampleRate: Float,
                eventCapacity: Int = 8192) {
        self.sampleRate = sampleRate
        events = SPSCQueue(capacity: eventCapacity)
        trackCount = setups.count
        tracks = .allocate(capacity: max(1, setups.count))
        for (i, s) in setups.enumerated() {
            (tracks + i).initialize(to: Track(instrument: s.instrument, gain: s.gain, pan: s.pan,
                                              sampleRate: sampleRate, seed: UInt32(i + 1) &* 2_654_435_761))
        }
        scratch = .allocate(capacity: Renderer.maxChunk)
        scratch.initialize(repeating: 0, count: Renderer.maxChunk)
        let ceiling = Float(fastExp2(ceilingDB / 20 * 3.321_928))
        state = .allocate(capacity: 1)
        state.initialize(to: MasterState(
            limiter: Limiter(ceiling: ceiling, lookahead: Int(sampleRate * 0.0015), releaseSeconds: 0.25, sampleRate: sampleRate),
            gain: Smoother(value: masterGain, time: 0.05, sampleRate: sampleRate)))
    }

    deinit {
        for i in 0..<trackCount { tracks[i].deallocate() }
        tracks.deinitialize(count: trackCount)
        tracks.deallocate()
        scratch.deallocate()
        state.pointee.limiter.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// Frames between an event's frame and the output sample it shapes: the master limiter's
    /// look-ahead delay. JACK is told this as the output ports' latency.
    public var outputLatency: Int { state.pointee.limiter.lookahead }

    /// The audio clock: frames rendered since start.
    public var framesRendered: Int64 {
        @_noAllocation @_noLocks get { clock.load(ordering: .acquiring) }
    }
    /// Voices sounding at the end of the last block.
    public var activeVoices: Int { voiceCount.load(ordering: .relaxed) }
    /// Events that arrived after their frame had been rendered (played at once instead).
    public var lateEvents: Int { lateCount.load(ordering: .relaxed) }
    /// Peak level of the last rendered block (linear), for the silence watchdog and meters.
    public var outputPeak: Float { Float(bitPattern: peakBits.load(ordering: .relaxed)) }
    /// Voices reset by the NaN/Inf guard.
    public var voiceResets: Int { resetCount.load(ordering: .relaxed) }

    /// Sets the audio clock (a renderer taking over from another continues its clock).
    // real time
    @_noAllocation @_noLocks
    public func setClock(_ frame: Int64) { clock.store(frame, ordering: .releasing) }

    /// Renders `frames` stereo frames into `left`/`right` (overwriting them) and advances the
    /// audio clock. Events are applied at their exact sample offset inside the block.
    // real time
    @_noAllocation @_noLocks
    public func render(frames: Int, left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>) {
        let start = clock.load(ordering: .relaxed)
        left.update(repeating: 0, count: frames)
        right.update(repeating: 0, count: frames)
        var done = 0
        var late = 0
        while done < frames {
            let now = start + Int64(done)
            // Apply every event due at or before this sample.
            while let e = events.peek(), e.frame <= now {
                _ = events.pop()
                if e.frame < start { late += 1 }
                apply(e)
            }
            var end = min(frames, done + Renderer.maxChunk)
            if let e = events.peek(), e.frame < start + Int64(end) {
                end = Int(e.frame - start)
            }
            renderChunk(left: left + done, right: right + done, count: end - done)
            done = end
        }
        state.pointee.limiter.process(left: left, right: right, count: frames)
        var peak: Float = 0
        for i in 0..<frames { peak = max(peak, max(abs(left[i]), abs(right[i]))) }
        peakBits.store(peak.bitPattern, ordering: .relaxed)
        var voices = 0
        var resets = 0
        for t in 0..<trackCount {
            voices += tracks[t].activeVoices()
            resets += tracks[t].resets
        }
        voiceCount.store(voices, ordering: .relaxed)
        resetCount.store(resets, ordering: .relaxed)
        if late > 0 { lateCount.add(late, ordering: .relaxed) }
        clock.store(start + Int64(frames), ordering: .releasing)
    }

    // real time
    @inline(__always)
    private func renderChunk(left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        for t in 0..<trackCount {
            tracks[t].render(scratch: scratch, left: left, right: right, count: count, sampleRate: sampleRate)
        }
        // The master gain per chunk, so a gain event takes effect at its own sample.
        var g = state.pointee.gain
        for i in 0..<count {
            let m = g.next()
            left[i] *= m
            right[i] *= m
        }
        state.pointee.gain = g
    }

    // real time
    @inline(__always)
    private func apply(_ e: AudioEvent) {
        let t = Int(e.track)
        switch e.kind {
        case .masterGain:
            state.pointee.gain.target = e.value
        case .allNotesOff:
            for i in 0..<trackCount { tracks[i].allNotesOff() }
        case .noteOn:
            if t < trackCount { tracks[t].noteOn(e.note, velocity: e.value, sampleRate: sampleRate) }
        case .noteOff:
            if t < trackCount { tracks[t].noteOff(e.note) }
        case .trackGain:
            if t < trackCount { tracks[t].gain.target = e.value }
        case .trackPan:
            if t < trackCount { tracks[t].pan.target = e.value }
        case .trackMute:
            if t < trackCount { tracks[t].mute.target = e.value > 0.5 ? 0 : 1 }
        case .brightness:
            if t < trackCount { tracks[t].brightness.target = e.value }
        }
    }
}
