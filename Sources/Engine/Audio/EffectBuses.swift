import DSP

/// The audio side of the shared effects: the reverb and tempo-synced delay send buses with their
/// returns, and the master glue compressor. Memory is allocated in `init` on a control thread
/// and freed by `deallocate()` from the renderer's deinit.
struct EffectBuses {
    var reverb: Reverb
    var delay: TempoDelay
    var compressor: GlueCompressor
    var settings: EffectSettings
    /// Band tempo in BPM; the delay time follows it.
    var tempo: Float = 120
    /// Each return fades out when no open track feeds its bus, so muting the band silences its
    /// tails too (a 0.25 s fade), and a bus nobody feeds costs nothing once it is quiet.
    var reverbReturn: Smoother
    var delayReturn: Smoother
    /// Samples since a return was last fed; its effect is skipped once its tail has run out.
    var reverbIdle = 0
    var delayIdle = 0
    let reverbTail: Int
    let delayTail: Int
    static let maxDelaySeconds: Float = 4

    init(settings: EffectSettings, sampleRate: Float) {
        self.settings = settings
        reverb = Reverb(sampleRate: sampleRate)
        delay = TempoDelay(maxSeconds: EffectBuses.maxDelaySeconds, sampleRate: sampleRate)
        compressor = GlueCompressor(sampleRate: sampleRate)
        reverbReturn = Smoother(value: 1, time: 0.25, sampleRate: sampleRate)
        delayReturn = Smoother(value: 1, time: 0.25, sampleRate: sampleRate)
        reverbTail = Int(sampleRate * 12)
        delayTail = Int(sampleRate * 20)
        configureReverb()
        configureDelay()
        configureCompressor()
    }

    func deallocate() {
        reverb.deallocate()
        delay.deallocate()
    }

    // real time
    @_noAllocation @_noLocks
    mutating func configureReverb() {
        reverb.set(size: settings.reverbSize, damping: settings.reverbDamping, width: settings.reverbWidth)
    }

    // real time
    @_noAllocation @_noLocks
    mutating func configureDelay() {
        let seconds = min(EffectBuses.maxDelaySeconds, settings.delayBeats * 60 / max(tempo, 20))
        delay.set(seconds: seconds, feedback: settings.delayFeedback, damping: settings.delayDamping, pingPong: settings.delayPingPong)
    }

    // real time
    @_noAllocation @_noLocks
    mutating func configureCompressor() {
        compressor.set(thresholdDB: settings.compressorThreshold, ratio: settings.compressorRatio,
                       attack: settings.compressorAttack, release: settings.compressorRelease, makeupDB: settings.compressorMakeup)
    }

    // real time
    @_noAllocation @_noLocks
    mutating func apply(_ e: AudioEvent, sampleRate: Float) {
        switch e.kind {
        case .tempo:
            tempo = e.value
            configureDelay()
        case .delayBeats:
            settings.delayBeats = e.value
            configureDelay()
        case .delayFeedback:
            settings.delayFeedback = e.value
            configureDelay()
        case .reverbSize:
            settings.reverbSize = e.value
            configureReverb()
        case .reverbDamping:
            settings.reverbDamping = e.value
            configureReverb()
        case .compressorThreshold:
            settings.compressorThreshold = e.value
            configureCompressor()
        case .compressorRatio:
            settings.compressorRatio = e.value
            configureCompressor()
        default:
            break
        }
    }

    /// Runs the send buses and adds their returns to the mix. `feedsReverb`/`feedsDelay`: some
    /// open track sends to that bus now.
    // real time
    @_noAllocation @_noLocks
    mutating func returns(sends: UnsafeMutablePointer<Float>, chunk: Int, feedsReverb: Bool, feedsDelay: Bool,
                          left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>,
                          wet: UnsafeMutablePointer<Float>, count: Int) {
        reverbReturn.target = feedsReverb ? settings.reverbReturn : 0
        delayReturn.target = feedsDelay ? settings.delayReturn : 0
        reverbIdle = feedsReverb ? 0 : reverbIdle + count
        delayIdle = feedsDelay ? 0 : delayIdle + count
        if reverbIdle < reverbTail && reverbReturn.value + reverbReturn.target > 1e-6 {
            let wl = wet, wr = wet + chunk
            wl.update(repeating: 0, count: count)
            wr.update(repeating: 0, count: count)
            reverb.process(inputLeft: sends, inputRight: sends + chunk, outputLeft: wl, outputRight: wr, count: count)
            EffectBuses.addReturn(wl, wr, into: left, right, level: &reverbReturn, count: count)
        }
        if delayIdle < delayTail && delayReturn.value + delayReturn.target > 1e-6 {
            let wl = wet, wr = wet + chunk
            wl.update(repeating: 0, count: count)
            wr.update(repeating: 0, count: count)
            delay.process(inputLeft: sends + 2 * chunk, inputRight: sends + 3 * chunk, outputLeft: wl, outputRight: wr, count: count)
            EffectBuses.addReturn(wl, wr, into: left, right, level: &delayReturn, count: count)
        }
    }

    // real time
    @_noAllocation @_noLocks
    static func addReturn(_ wl: UnsafeMutablePointer<Float>, _ wr: UnsafeMutablePointer<Float>,
                          into left: UnsafeMutablePointer<Float>, _ right: UnsafeMutablePointer<Float>,
                          level: inout Smoother, count: Int) {
        if abs(level.value - level.target) < 1e-6 {
            level.value = level.target
            let g = level.value
            for i in 0..<count {
                left[i] += wl[i] * g
                right[i] += wr[i] * g
            }
            return
        }
        // Fading: per sample, so where a block is split never changes a sample.
        for i in 0..<count {
            let g = level.next()
            left[i] += wl[i] * g
            right[i] += wr[i] * g
        }
    }

    // real time
    @_noAllocation @_noLocks
    mutating func compress(left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>, count: Int) {
        compressor.process(left: left, right: right, count: count)
    }
}
