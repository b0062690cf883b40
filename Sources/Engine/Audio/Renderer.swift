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
    /// Why an instrument could not be made (a SoundFont deleted or broken since the patch was
    /// checked), one line per silent track. Control threads only; the owner logs them.
    public let instrumentProblems: [String]
    /// Tracks left silent because their instrument failed to load.
    public var instrumentFailures: Int { instrumentProblems.count }
    private let state: UnsafeMutablePointer<MasterState>
    private let tracks: UnsafeMutablePointer<Track>
    private let scratch: UnsafeMutablePointer<Float>
    /// Notes played in the last block, for the MIDI outputs.
    private let tap: UnsafeMutablePointer<NoteTap>
    /// Send buses (stereo, one chunk long): reverb L, R, delay L, R.
    private let sends: UnsafeMutablePointer<Float>
    /// Per-track post-fader stems, `stemFrames` long, L then R per track; nil when stems are off.
    private let stems: UnsafeMutablePointer<Float>?
    /// Frames each stem buffer holds: the longest block whose stems are kept.
    public let stemFrames: Int
    /// Longest stretch rendered without re-checking events; bounds the scratch buffer.
    public static let maxChunk = 256

    struct MasterState {
        var limiter: Limiter
        var gain: Smoother
        var buses: EffectBuses
    }

    public struct TrackSetup: Sendable {
        public var instrument: InstrumentSpec
        /// The instrument's B settings for the timbre morph, if any (same instrument type).
        public var morphTo: InstrumentSpec?
        public var gain: Float
        public var pan: Float
        public var reverb: Float
        public var delay: Float

        public init(instrument: InstrumentSpec, morphTo: InstrumentSpec? = nil, gain: Float, pan: Float,
                    reverb: Float = 0, delay: Float = 0) {
            self.instrument = instrument
            self.morphTo = morphTo
            self.gain = gain
            self.pan = pan
            self.reverb = reverb
            self.delay = delay
        }
    }

    /// - Parameters: ceiling in dBFS for the master limiter; `stemFrames` > 0 keeps a post-fader
    ///   stereo stem per track for blocks up to that long (`stem(_:)`).
    public init(tracks setups: [TrackSetup], masterGain: Float, ceilingDB: Float, sampleRate: Float,
                effects: EffectSettings = EffectSettings(), stemFrames: Int = 0, eventCapacity: Int = 8192) {
        self.sampleRate = sampleRate
        events = SPSCQueue(capacity: eventCapacity)
        trackCount = setups.count
        tracks = .allocate(capacity: max(1, setups.count))
        var problems: [String] = []
        for (i, s) in setups.enumerated() {
            var problem: String?
            (tracks + i).initialize(to: Track(instrument: s.instrument, morphTo: s.morphTo, gain: s.gain, pan: s.pan, reverb: s.reverb, delay: s.delay,
                                              sampleRate: sampleRate, seed: UInt32(i + 1) &* 2_654_435_761, problem: &problem))
            if let problem { problems.append("track \(i): \(problem)") }
        }
        instrumentProblems = problems
        scratch = .allocate(capacity: Renderer.maxChunk)
        tap = .allocate(capacity: 1)
        tap.initialize(to: NoteTap())
        scratch.initialize(repeating: 0, count: Renderer.maxChunk)
        sends = .allocate(capacity: 6 * Renderer.maxChunk)
        sends.initialize(repeating: 0, count: 6 * Renderer.maxChunk)
        self.stemFrames = max(0, stemFrames)
        if stemFrames > 0 {
            let n = 2 * stemFrames * max(1, setups.count)
            let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
            p.initialize(repeating: 0, count: n)
            stems = p
        } else {
            stems = nil
        }
        let ceiling = Float(fastExp2(ceilingDB / 20 * 3.321_928))
        state = .allocate(capacity: 1)
        state.initialize(to: MasterState(
            limiter: Limiter(ceiling: ceiling, lookahead: Int(sampleRate * 0.0015), releaseSeconds: 0.25, sampleRate: sampleRate),
            gain: Smoother(value: masterGain, time: 0.05, sampleRate: sampleRate),
            buses: EffectBuses(settings: effects, sampleRate: sampleRate)))
    }

    deinit {
        for i in 0..<trackCount { tracks[i].deallocate() }
        tracks.deinitialize(count: trackCount)
        tracks.deallocate()
        scratch.deallocate()
        tap.pointee.deallocate()
        tap.deinitialize(count: 1)
        tap.deallocate()
        sends.deallocate()
        stems?.deallocate()
        state.pointee.limiter.deallocate()
        state.pointee.buses.deallocate()
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

    /// Track `index`'s post-fader stem from the last `render` call (valid for blocks up to
    /// `stemFrames`; read on the audio thread right after `render`). Nil when stems are off.
    // real time
    @_noAllocation @_noLocks
    public func stem(_ index: Int) -> (left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>)? {
        guard let stems, index >= 0, index < trackCount else { return nil }
        return (stems + 2 * index * stemFrames, stems + (2 * index + 1) * stemFrames)
    }

    /// The notes played in the last `render` (read on the audio thread right after it).
    // real time
    @_noAllocation @_noLocks
    public func tappedNotes() -> UnsafeBufferPointer<TappedNote> {
        UnsafeBufferPointer(start: tap.pointee.notes, count: tap.pointee.count)
    }

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
        tap.pointee.count = 0
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
                apply(e, offset: done)
            }
            var end = min(frames, done + Renderer.maxChunk)
            if let e = events.peek(), e.frame < start + Int64(end) {
                end = Int(e.frame - start)
            }
            renderChunk(left: left + done, right: right + done, offset: done, count: end - done)
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
    private func renderChunk(left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>, offset: Int, count: Int) {
        guard count > 0 else { return }
        let chunk = Renderer.maxChunk
        for bus in 0..<4 { (sends + bus * chunk).update(repeating: 0, count: count) }
        var targets = MixTargets(left: left, right: right, sends: sends, chunk: chunk)
        let keepStems = offset + count <= stemFrames
        for t in 0..<trackCount {
            if keepStems, let stems {
                targets.stemLeft = stems + 2 * t * stemFrames + offset
                targets.stemRight = stems + (2 * t + 1) * stemFrames + offset
            }
            tracks[t].render(scratch: scratch, into: targets, count: count, sampleRate: sampleRate)
        }
        var feedsReverb = false, feedsDelay = false
        for t in 0..<trackCount {
            if tracks[t].strip.feedsReverb { feedsReverb = true }
            if tracks[t].strip.feedsDelay { feedsDelay = true }
        }
        state.pointee.buses.returns(sends: sends, chunk: chunk, feedsReverb: feedsReverb, feedsDelay: feedsDelay,
                                    left: left, right: right, wet: sends + 4 * chunk, count: count)
        state.pointee.buses.compress(left: left, right: right, count: count)
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
    private func apply(_ e: AudioEvent, offset: Int) {
        let t = Int(e.track)
        switch e.kind {
        case .masterGain:
            state.pointee.gain.target = e.value
        case .allNotesOff:
            for i in 0..<trackCount {
                tracks[i].allNotesOff()
                tap.pointee.record(offset: offset, track: UInt8(truncatingIfNeeded: i), note: TappedNote.allNotesOff,
                                   velocity: 0, isOn: false)
            }
        case .noteOn:
            if t < trackCount {
                tracks[t].noteOn(e.note, velocity: e.value, sampleRate: sampleRate)
                tap.pointee.record(offset: offset, track: e.track, note: e.note, velocity: e.value, isOn: true)
            }
        case .noteOff:
            if t < trackCount {
                tracks[t].noteOff(e.note)
                tap.pointee.record(offset: offset, track: e.track, note: e.note, velocity: 0, isOn: false)
            }
        case .trackGain:
            if t < trackCount { tracks[t].strip.gain.target = e.value }
        case .trackPan:
            if t < trackCount { tracks[t].strip.pan.target = e.value }
        case .trackMute:
            if t < trackCount { tracks[t].strip.mute.target = e.value > 0.5 ? 0 : 1 }
        case .trackReverb:
            if t < trackCount { tracks[t].strip.reverb.target = e.value }
        case .trackDelay:
            if t < trackCount { tracks[t].strip.delay.target = e.value }
        case .sound:
            if t < trackCount { tracks[t].setSound(code: e.note, value: e.value) }
        case .trackMorph:
            if t < trackCount { tracks[t].morph.target = min(max(e.value, 0), 1) }
        case .tempo, .delayBeats, .delayFeedback, .reverbSize, .reverbDamping, .compressorThreshold, .compressorRatio:
            state.pointee.buses.apply(e, sampleRate: sampleRate)
        case .brightness:
            if t < trackCount { tracks[t].brightness.target = e.value }
        }
    }
}
