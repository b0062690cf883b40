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
/// All smoothed per sample while they move (so where a block is split never changes a sample),
/// and constant, with no smoothing cost, once they have settled.
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

    /// Snaps every smoother that is within 1e-6 of its target onto it; true if all are there.
    // real time
    @_noAllocation @_noLocks
    mutating func settle() -> Bool {
        var all = true
        if abs(gain.value - gain.target) < 1e-6 { gain.value = gain.target } else { all = false }
        if abs(pan.value - pan.target) < 1e-6 { pan.value = pan.target } else { all = false }
        if abs(mute.value - mute.target) < 1e-6 { mute.value = mute.target } else { all = false }
        if abs(reverb.value - reverb.target) < 1e-6 { reverb.value = reverb.target } else { all = false }
        if abs(delay.value - delay.target) < 1e-6 { delay.value = delay.target } else { all = false }
        return all
    }

    /// Mixes the mono `source` into the targets through the strip.
    // real time
    @_noAllocation @_noLocks
    mutating func mix(_ source: UnsafeMutablePointer<Float>, into out: MixTargets, count: Int) {
        let ml = out.left, mr = out.right
        let rl = out.reverbLeft, rr = out.reverbRight, dl = out.delayLeft, dr = out.delayRight
        if !settle() {
            // Moving: every smoother per sample, everything in one pass.
            for i in 0..<count {
                let g = gain.next() * mute.next()
                let (pl, pr) = ChannelStrip.panGains(pan.next())
                let rv = reverb.next(), dv = delay.next()
                let l = source[i] * g * pl, r = source[i] * g * pr
                ml[i] += l
                mr[i] += r
                rl[i] += l * rv
                rr[i] += r * rv
                dl[i] += l * dv
                dr[i] += r * dv
                if let sl = out.stemLeft, let sr = out.stemRight {
                    sl[i] = l
                    sr[i] = r
                }
            }
            return
        }
        let g = gain.value * mute.value
        let (pl, pr) = ChannelStrip.panGains(pan.value)
        let gl = g * pl, gr = g * pr
        let rv = reverb.value, dv = delay.value
        if rv > 0 && dv > 0 {
            for i in 0..<count {
                let l = source[i] * gl, r = source[i] * gr
                ml[i] += l
                mr[i] += r
                rl[i] += l * rv
                rr[i] += r * rv
                dl[i] += l * dv
                dr[i] += r * dv
            }
        } else {
            for i in 0..<count {
                ml[i] += source[i] * gl
                mr[i] += source[i] * gr
            }
            if rv > 0 { ChannelStrip.send(source, gl * rv, gr * rv, rl, rr, count) }
            if dv > 0 { ChannelStrip.send(source, gl * dv, gr * dv, dl, dr, count) }
        }
        if let sl = out.stemLeft, let sr = out.stemRight {
            for i in 0..<count {
                sl[i] = source[i] * gl
                sr[i] = source[i] * gr
            }
        }
    }

    /// Adds the signal at fixed left/right levels to a bus.
    // real time
    @_noAllocation @_noLocks
    static func send(_ source: UnsafeMutablePointer<Float>, _ gl: Float, _ gr: Float,
                     _ left: UnsafeMutablePointer<Float>, _ right: UnsafeMutablePointer<Float>, _ count: Int) {
        for i in 0..<count {
            left[i] += source[i] * gl
            right[i] += source[i] * gr
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
