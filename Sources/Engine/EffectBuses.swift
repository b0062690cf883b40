import DSP

/// Placeholder until the DSP reverb, delay and compressor kernels land: keeps the bus settings
/// and tempo, passes the mix through unchanged.
struct EffectBuses {
    var settings: EffectSettings
    var tempo: Float = 120

    init(settings: EffectSettings, sampleRate: Float) { self.settings = settings }
    func deallocate() {}

    // real time
    @_noAllocation @_noLocks
    mutating func apply(_ e: AudioEvent, sampleRate: Float) {
        if case .tempo = e.kind { tempo = e.value }
    }

    // real time
    @_noAllocation @_noLocks
    mutating func returns(sends: UnsafeMutablePointer<Float>, chunk: Int, feedsReverb: Bool, feedsDelay: Bool,
                          left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>,
                          wet: UnsafeMutablePointer<Float>, count: Int) {}

    // real time
    @_noAllocation @_noLocks
    mutating func compress(left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>, count: Int) {}
}
