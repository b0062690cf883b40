import DSP

/// Where one track's sound goes in a chunk: the main mix, the two send buses and, when stems
/// are on, the track's own stem. Plain pointers, already offset to the chunk's first frame.
struct MixTargets {
    var left: UnsafeMutablePointer<Float>
    var right: UnsafeMutablePointer<Float>
    var reverbLeft: UnsafeMutablePointer<Float>
    var reverbRight: UnsafeMutablePointer<Float>
    var delayLeft: UnsafeMutablePointer<Float>
    var delayRight: UnsafeMutablePointer<Float>
    /// Post-fader stem buffers, or nil when stems are off or the block is longer than they hold.
    var stemLeft: UnsafeMutablePointer<Float>?
    var stemRight: UnsafeMutablePointer<Float>?

    // real time
    @_noAllocation @_noLocks
    init(left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>, sends: UnsafeMutablePointer<Float>, chunk: Int) {
        self.left = left
        self.right = right
        reverbLeft = sends
        reverbRight = sends + chunk
        delayLeft = sends + 2 * chunk
        delayRight = sends + 3 * chunk
        stemLeft = nil
        stemRight = nil
    }
}

/// An agent's mixer channel: fader, pan, mute (which solo drives too) and two post-fader sends.
/// All smoothed; within a chunk each runs as a linear ramp from its value at the chunk start to
/// its value at the end, which costs no per-sample exponential and no branch.
struct ChannelStrip {
    var gain: Smoother
    var pan: Smoother
    /// 1 open, 0 muted or silenced by another track's solo.
    var mute: Smoother
    var reverb: Smoother
    var delay: Smoother

    init(gain: Float, pan: Float, reverb: Float, delay: Float, sampleRate: Float) {
        self.gain = Smoother(value: gain, time: 0.05, sampleRate: sampleRate)
        self.pan = Smoother(value: pan, time: 0.05, sampleRate: sampleRate)
        mute = Smoother(value: 1, time: 0.02, sampleRate: sampleRate)
        self.reverb = Smoother(value: reverb, time: 0.05, sampleRate: sampleRate)
        self.delay = Smoother(value: delay, time: 0.05, sampleRate: sampleRate)
    }

    /// True when the channel is silent and will stay so (muted and settled): nothing to render.
    var isClosed: Bool {
        @_noAllocation @_noLocks get { mute.target == 0 && mute.value < 1e-5 }
    }

    /// True when the channel feeds the reverb (or delay) bus, now or after its fade.
    var feedsReverb: Bool { @_noAllocation @_noLocks get { mute.target > 0 && reverb.target > 0 } }
    var feedsDelay: Bool { @_noAllocation @_noLocks get { mute.target > 0 && delay.target > 0 } }

    /// Mixes the mono `source` into the targets through the strip.
    // real time
    @_noAllocation @_noLocks
    mutating func mix(_ source: UnsafeMutablePointer<Float>, into out: MixTargets, count: Int) {
        let g0 = gain.value * mute.value
        let p0 = pan.value
        let r0 = reverb.value
        let d0 = delay.value
        let g1 = gain.advance(count) * mute.advance(count)
        let p1 = pan.advance(count)
        let r1 = reverb.advance(count)
        let d1 = delay.advance(count)
        let step = 1 / Float(count)
        // Pan law by parabolas: -3 dB... in the centre, each side's gain at the ends of the chunk.
        let (l0, rr0) = ChannelStrip.panGains(p0)
        let (l1, rr1) = ChannelStrip.panGains(p1)
        let gl0 = g0 * l0, gr0 = g0 * rr0
        let dgl = (g1 * l1 - gl0) * step, dgr = (g1 * rr1 - gr0) * step
        let dr = (r1 - r0) * step, dd = (d1 - d0) * step
        let sendsReverb = r0 > 0 || r1 > 0
        let sendsDelay = d0 > 0 || d1 > 0
        var gl = gl0, gr = gr0
        let main = (left: out.left, right: out.right)
        for i in 0..<count {
            main.left[i] += source[i] * gl
            main.right[i] += source[i] * gr
            gl += dgl
            gr += dgr
        }
        if let sl = out.stemLeft, let sr = out.stemRight {
            gl = gl0
            gr = gr0
            for i in 0..<count {
                sl[i] = source[i] * gl
                sr[i] = source[i] * gr
                gl += dgl
                gr += dgr
            }
        }
        if sendsReverb { ChannelStrip.send(source, gl0, gr0, dgl, dgr, r0, dr, out.reverbLeft, out.reverbRight, count) }
        if sendsDelay { ChannelStrip.send(source, gl0, gr0, dgl, dgr, d0, dd, out.delayLeft, out.delayRight, count) }
    }

    /// Adds the post-fader, post-pan signal times a ramped send level to a bus.
    // real time
    @_noAllocation @_noLocks
    static func send(_ source: UnsafeMutablePointer<Float>, _ gl0: Float, _ gr0: Float, _ dgl: Float, _ dgr: Float,
                     _ level0: Float, _ dLevel: Float,
                     _ left: UnsafeMutablePointer<Float>, _ right: UnsafeMutablePointer<Float>, _ count: Int) {
        var gl = gl0, gr = gr0, level = level0
        for i in 0..<count {
            let s = source[i] * level
            left[i] += s * gl
            right[i] += s * gr
            gl += dgl
            gr += dgr
            level += dLevel
        }
    }

    /// Left and right gains for a pan position -1...1 (-3 dB each in the centre).
    // real time
    @_noAllocation @_noLocks
    static func panGains(_ p: Float) -> (Float, Float) {
        let x = (p + 1) * 0.5
        return (1 - x * x, 1 - (1 - x) * (1 - x))
    }

    /// Lets the ramps settle while the track renders nothing, so a later note starts at the
    /// strip's current values.
    // real time
    @_noAllocation @_noLocks
    mutating func idle(_ count: Int) {
        _ = gain.advance(count)
        _ = pan.advance(count)
        _ = mute.advance(count)
        _ = reverb.advance(count)
        _ = delay.advance(count)
    }
}
