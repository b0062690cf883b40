import DSP
import Realtime
import Synchronization

/// The live performance: the patch playing now, its renderer and conductor, and the switch to
/// another patch with an equal-power crossfade, so a patch change never clicks.
///
/// A new patch's renderer and conductor are built on a control thread, then handed to the
/// audio thread through an atomic slot. The audio thread fades the old renderer out while the
/// new one fades in, then hands the old one back through a queue; it is released on a control
/// thread (`collect`), never on the audio thread.
public final class Stage: @unchecked Sendable {
    public let store: ParameterStore
    public let sampleRate: Double
    /// Length of a patch crossfade.
    public let crossfadeFrames: Int
    private let audio: UnsafeMutablePointer<AudioSide>
    /// A retained renderer waiting for the audio thread (opaque pointer bits; 0 when empty).
    private let incoming = Atomic<UInt>(0)
    /// Renderers the audio thread is done with, still retained.
    private let retired = SPSCQueue<UInt>(capacity: 16)
    private let clock = Atomic<Int64>(0)
    private let control = Mutex<Performance?>(nil)
    private let switchCount = Atomic<Int>(0)
    /// The live player's notes, heard by whichever band plays now.
    public let player = PlayerInput()
    /// Configures every new conductor (lookahead, cue source, note log) before it starts.
    public var prepareConductor: (@Sendable (Conductor) -> Void)?
    let live: Bool

    struct Performance {
        var patch: Patch
        var renderer: Renderer
        var conductor: Conductor
    }

    struct AudioSide {
        var current: UInt
        var outgoing: UInt
        var faded: Int
        let scratchLeft: UnsafeMutablePointer<Float>
        let scratchRight: UnsafeMutablePointer<Float>
    }

    static let scratchFrames = 4096

    /// - Parameter live: conductors run their own threads (serve); offline, `advance` drives them.
    /// Frames of per-agent stems each renderer keeps (0: stems off).
    public let stemFrames: Int

    /// - Parameter stemFrames: > 0 keeps post-fader stems per agent for blocks up to that long.
    public init(patch: Patch, store: ParameterStore, sampleRate: Double, live: Bool, crossfadeSeconds: Double = 2,
                stemFrames: Int = 0) {
        self.stemFrames = stemFrames
        self.store = store
        self.sampleRate = sampleRate
        self.live = live
        crossfadeFrames = max(1, Int(crossfadeSeconds * sampleRate))
        let renderer = OfflineRender.makeRenderer(for: patch, sampleRate: sampleRate, stemFrames: stemFrames)
        let conductor = Conductor(patch: patch, store: store, renderer: renderer, player: player)
        control.withLock { $0 = Performance(patch: patch, renderer: renderer, conductor: conductor) }
        let left = UnsafeMutablePointer<Float>.allocate(capacity: Stage.scratchFrames)
        let right = UnsafeMutablePointer<Float>.allocate(capacity: Stage.scratchFrames)
        left.initialize(repeating: 0, count: Stage.scratchFrames)
        right.initialize(repeating: 0, count: Stage.scratchFrames)
        audio = .allocate(capacity: 1)
        audio.initialize(to: AudioSide(current: UInt(bitPattern: Unmanaged.passRetained(renderer).toOpaque()), outgoing: 0, faded: 0,
                                       scratchLeft: left, scratchRight: right))
    }

    deinit {
        collect()
        for bits in [audio.pointee.current, audio.pointee.outgoing, incoming.load(ordering: .acquiring)] where bits != 0 {
            Unmanaged<Renderer>.fromOpaque(UnsafeRawPointer(bitPattern: bits)!).release()
        }
        audio.pointee.scratchLeft.deallocate()
        audio.pointee.scratchRight.deallocate()
        audio.deallocate()
    }

    /// Starts the first conductor (live).
    public func start() {
        let c = control.withLock { $0!.conductor }
        prepareConductor?(c)
        if live { c.start() }
    }

    public var patch: Patch { control.withLock { $0!.patch } }
    public var conductor: Conductor { control.withLock { $0!.conductor } }
    public var renderer: Renderer { control.withLock { $0!.renderer } }
    /// The audio clock across patch changes.
    public var framesRendered: Int64 { clock.load(ordering: .acquiring) }

    /// The audio clock, read on the audio thread.
    public var audioClock: Int64 {
        @_noAllocation @_noLocks get { clock.load(ordering: .relaxed) }
    }
    public var switches: Int { switchCount.load(ordering: .relaxed) }

    /// Switches to `patch`: its band starts a little ahead of the audio clock and fades in over
    /// `crossfadeFrames` while the old one fades out. Agents keep their mute/solo/gain/pan by
    /// name; sends, morph and bus settings come from the new patch; the band's tempo, density,
    /// mood and key carry over.
    public func switchTo(_ patch: Patch) {
        collect()
        let renderer = OfflineRender.makeRenderer(for: patch, sampleRate: sampleRate, stemFrames: stemFrames)
        control.withLock { perf in
            guard let old = perf else { return }
            old.conductor.stopAndWait()
            let lookahead = old.conductor.lookahead.load(ordering: .relaxed)
            store.update { s in
                let before = s.agents
                let fresh = patch.initialSteering
                // The performer's strip (mute, solo, gain, pan, density) stays with the agent's
                // name; the sound (sends, morph, the buses) is the new patch's.
                s.agents = fresh.agents.map { a in
                    guard var kept = before.first(where: { $0.name == a.name }) else { return a }
                    kept.reverb = a.reverb
                    kept.delay = a.delay
                    kept.morph = a.morph
                    kept.instrument = a.instrument
                    kept.sound = [:]
                    return kept
                }
                s.effects = fresh.effects
            }
            let start = framesRendered + 2 * lookahead + Int64(0.02 * sampleRate)
            let conductor = Conductor(patch: patch, store: store, renderer: renderer, startFrame: start, lookahead: lookahead,
                                      player: player)
            conductor.cueSource = old.conductor.cueSource
            conductor.onNote = old.conductor.onNote
            prepareConductor?(conductor)
            // Changes and queries still waiting in the old conductor go on in the new one.
            for change in old.conductor.takeScheduled() { conductor.schedule(change) }
            perf = Performance(patch: patch, renderer: renderer, conductor: conductor)
            let bits = UInt(bitPattern: Unmanaged.passRetained(renderer).toOpaque())
            let previous = incoming.exchange(bits, ordering: .acquiringAndReleasing)
            if previous != 0 { Unmanaged<Renderer>.fromOpaque(UnsafeRawPointer(bitPattern: previous)!).release() }
            if live { conductor.start() }
        }
        switchCount.add(1, ordering: .relaxed)
    }

    /// Schedules a change on the current conductor. Taken under the same lock as a patch
    /// switch, so nothing lands in a conductor that is being replaced.
    public func schedule(_ change: TimedChange) {
        control.withLock { $0!.conductor.schedule(change) }
    }

    /// Releases renderers the audio thread has finished with (call on a control thread).
    public func collect() {
        while let bits = retired.pop() {
            Unmanaged<Renderer>.fromOpaque(UnsafeRawPointer(bitPattern: bits)!).release()
        }
    }

    /// Offline: schedules the current conductor up to `frame`.
    public func advance(to frame: Int64) {
        conductor.advance(to: frame)
    }

    /// The notes the patch playing now sent in the last `render`, for the MIDI outputs.
    // real time
    @_noAllocation @_noLocks
    public func tappedNotes() -> UnsafeBufferPointer<TappedNote> {
        let current = audio.pointee.current
        return Unmanaged<Renderer>.fromOpaque(UnsafeRawPointer(bitPattern: current)!)._withUnsafeGuaranteedRef { $0.tappedNotes() }
    }

    /// Agent `index`'s post-fader stem from the last `render`, from the patch playing now (during
    /// a crossfade, the incoming one). Nil when stems are off or the index has no agent.
    // real time
    @_noAllocation @_noLocks
    public func stem(_ index: Int) -> (left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>)? {
        let current = audio.pointee.current
        return Unmanaged<Renderer>.fromOpaque(UnsafeRawPointer(bitPattern: current)!)._withUnsafeGuaranteedRef { $0.stem(index) }
    }

    /// Renders the current patch, crossfading from the previous one after a switch.
    // real time
    @_noAllocation @_noLocks
    public func render(frames: Int, left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>) {
        let side = audio
        let arriving = incoming.exchange(0, ordering: .acquiringAndReleasing)
        if arriving != 0 {
            // A switch during a crossfade drops the oldest at once.
            if side.pointee.outgoing != 0 { _ = retired.push(side.pointee.outgoing) }
            side.pointee.outgoing = side.pointee.current
            side.pointee.current = arriving
            side.pointee.faded = 0
            let now = clock.load(ordering: .relaxed)
            Unmanaged<Renderer>.fromOpaque(UnsafeRawPointer(bitPattern: arriving)!)._withUnsafeGuaranteedRef { $0.setClock(now) }
        }
        let current = side.pointee.current
        Unmanaged<Renderer>.fromOpaque(UnsafeRawPointer(bitPattern: current)!)._withUnsafeGuaranteedRef {
            $0.render(frames: frames, left: left, right: right)
        }
        let outgoing = side.pointee.outgoing
        if outgoing != 0 {
            let total = crossfadeFrames
            var faded = side.pointee.faded
            var done = 0
            let sl = side.pointee.scratchLeft, sr = side.pointee.scratchRight
            while done < frames {
                let n = min(Stage.scratchFrames, frames - done)
                Unmanaged<Renderer>.fromOpaque(UnsafeRawPointer(bitPattern: outgoing)!)._withUnsafeGuaranteedRef {
                    $0.render(frames: n, left: sl, right: sr)
                }
                for i in 0..<n {
                    // Equal power: sin for the new, cos for the old, over a quarter cycle.
                    let x = Float(min(faded, total)) / Float(total) * 0.25
                    let gainIn = fastSine(x), gainOut = fastSine(x + 0.25)
                    left[done + i] = left[done + i] * gainIn + sl[i] * gainOut
                    right[done + i] = right[done + i] * gainIn + sr[i] * gainOut
                    faded += 1
                }
                done += n
            }
            side.pointee.faded = faded
            if faded >= total {
                _ = retired.push(outgoing)
                side.pointee.outgoing = 0
            }
        }
        clock.add(Int64(frames), ordering: .releasing)
    }
}
