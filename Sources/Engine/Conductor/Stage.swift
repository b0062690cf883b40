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
    /// The one conductor of the show: patch switches are handed to it, never a new thread.
    public let conductor: Conductor
    private let audio: UnsafeMutablePointer<AudioSide>
    private let handoff = RendererHandoff()
    /// The same, reached from the audio thread without reference counting.
    private let link: Unmanaged<RendererHandoff>
    private let switchCount = Atomic<Int>(0)
    /// The live player's notes, heard by whichever band plays now.
    public let player = PlayerInput()
    let live: Bool

    struct AudioSide {
        var current: UInt
        var outgoing: UInt
        var faded: Int
        let scratchLeft: UnsafeMutablePointer<Float>
        let scratchRight: UnsafeMutablePointer<Float>
    }

    static let scratchFrames = 4096

    /// Frames of per-agent stems each renderer keeps (0: stems off).
    public let stemFrames: Int

    /// - Parameters: `live`: the conductor runs its own thread (serve); offline, `advance`
    ///   drives it. `stemFrames` > 0 keeps post-fader stems per agent for blocks up to that long.
    public init(patch: Patch, store: ParameterStore, sampleRate: Double, live: Bool, crossfadeSeconds: Double = 2,
                stemFrames: Int = 0) {
        self.stemFrames = stemFrames
        self.store = store
        self.sampleRate = sampleRate
        self.live = live
        crossfadeFrames = max(1, Int(crossfadeSeconds * sampleRate))
        let renderer = OfflineRender.makeRenderer(for: patch, sampleRate: sampleRate, stemFrames: stemFrames)
        let handoff = self.handoff
        link = Unmanaged.passUnretained(handoff)
        conductor = Conductor(performance: Performance(patch: patch, renderer: renderer), store: store, startFrame: 0, lookahead: 0,
                              player: player, handoff: handoff, audioClock: { handoff.frames.load(ordering: .acquiring) })
        let left = UnsafeMutablePointer<Float>.allocate(capacity: Stage.scratchFrames)
        let right = UnsafeMutablePointer<Float>.allocate(capacity: Stage.scratchFrames)
        left.initialize(repeating: 0, count: Stage.scratchFrames)
        right.initialize(repeating: 0, count: Stage.scratchFrames)
        audio = .allocate(capacity: 1)
        audio.initialize(to: AudioSide(current: UInt(bitPattern: Unmanaged.passRetained(renderer).toOpaque()), outgoing: 0, faded: 0,
                                       scratchLeft: left, scratchRight: right))
    }

    deinit {
        conductor.stop()
        handoff.collect()
        for bits in [audio.pointee.current, audio.pointee.outgoing, handoff.incoming.load(ordering: .acquiring)] {
            RendererHandoff.release(bits)
        }
        audio.pointee.scratchLeft.deallocate()
        audio.pointee.scratchRight.deallocate()
        audio.deallocate()
    }

    /// Starts the conductor's thread (live).
    public func start() {
        if live { conductor.start() }
    }

    /// The patch playing now (the new one once the conductor has taken a switch).
    public var patch: Patch { conductor.performance.patch }
    /// The renderer playing now, for its figures (voices, peak, instrument problems).
    public var renderer: Renderer { conductor.performance.renderer }
    /// The audio clock across patch changes.
    public var framesRendered: Int64 { handoff.frames.load(ordering: .acquiring) }

    /// The audio clock, read on the audio thread.
    public var audioClock: Int64 {
        @_noAllocation @_noLocks get { link._withUnsafeGuaranteedRef { $0.frames.load(ordering: .relaxed) } }
    }
    public var switches: Int { switchCount.load(ordering: .relaxed) }

    /// Switches to `patch`: its renderer and band are built here (on the caller's control
    /// thread) and handed to the conductor, which starts the band a little ahead of the audio
    /// clock; the audio crossfades over `crossfadeFrames`. Agents keep their mute/solo/gain/pan
    /// by name; sends, morph and bus settings come from the new patch; the band's tempo,
    /// density, mood and key carry over. Returns at once: nothing here waits for another thread.
    @discardableResult
    public func switchTo(_ patch: Patch) -> Performance {
        let renderer = OfflineRender.makeRenderer(for: patch, sampleRate: sampleRate, stemFrames: stemFrames)
        let next = Performance(patch: patch, renderer: renderer)
        conductor.switchTo(next)
        switchCount.add(1, ordering: .relaxed)
        return next
    }

    /// Hands commands to the conductor (from any thread).
    @discardableResult
    public func submit(_ commands: TimedCommands) -> Int { conductor.submit(commands) }

    /// Offline: schedules the conductor up to `frame`.
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
        link._withUnsafeGuaranteedRef { h in
            let arriving = h.incoming.exchange(0, ordering: .acquiringAndReleasing)
            guard arriving != 0 else { return }
            // A switch during a crossfade drops the oldest at once.
            if side.pointee.outgoing != 0 { _ = h.retired.push(side.pointee.outgoing) }
            side.pointee.outgoing = side.pointee.current
            side.pointee.current = arriving
            side.pointee.faded = 0
            let now = h.frames.load(ordering: .relaxed)
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
                _ = link._withUnsafeGuaranteedRef { $0.retired.push(outgoing) }
                side.pointee.outgoing = 0
            }
        }
        link._withUnsafeGuaranteedRef { _ = $0.frames.add(Int64(frames), ordering: .releasing) }
    }
}
