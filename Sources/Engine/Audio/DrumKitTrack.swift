import DSP

/// A drum kit on the audio thread: one `DrumVoice` per piece, and each piece's tuning at the A
/// and B ends of the morph (a hit takes the morph where it stands when it starts). Storage is
/// allocated in `init` on a control thread and freed by `deallocate()`.
struct DrumKitTrack {
    let drums: UnsafeMutablePointer<DrumVoice>
    var kitA: DrumKitSettings.Tuning
    var kitB: DrumKitSettings.Tuning
    /// Whether the agent has a morph; a live setting then changes the A end only.
    let hasMorph: Bool
    static let drumSounds: [DrumSound] = [.kick, .snare, .clap, .closedHat, .openHat, .lowTom, .midTom, .highTom, .percussion]
    /// `drumSounds.count`, as a literal the audio thread can read without touching the array.
    static var drumCount: Int { 9 }

    /// - Parameter morphTo: the B end's tuning; `hasMorph` says whether the agent has a morph
    ///   at all (of any instrument).
    init(_ kit: DrumKitSettings, morphTo b: DrumKitSettings?, hasMorph: Bool, seed: UInt32) {
        kitA = kit.tuning
        kitB = b?.tuning ?? kitA
        self.hasMorph = hasMorph
        drums = .allocate(capacity: Self.drumSounds.count)
        for (i, sound) in Self.drumSounds.enumerated() {
            (drums + i).initialize(to: DrumVoice(sound: sound, seed: seed &+ UInt32(i) &* 7919))
        }
    }

    func deallocate() {
        drums.deinitialize(count: Self.drumSounds.count)
        drums.deallocate()
    }

    /// The kit piece a General MIDI drum note plays, or -1.
    // real time
    @_noAllocation @_noLocks
    static func drumIndex(_ note: UInt8) -> Int {
        switch note {
        case 35, 36: 0
        case 38, 40: 1
        case 39: 2
        case 42, 44: 3
        case 46: 4
        case 41, 43: 5
        case 45, 47: 6
        case 48, 50: 7
        case 37, 54, 56, 75, 76, 77: 8
        default: -1
        }
    }

    // real time
    @_noAllocation @_noLocks
    func noteOn(_ note: UInt8, velocity: Float, morph m: Float, sampleRate: Float) {
        let index = Self.drumIndex(note)
        if index < 0 { return }
        if index == 3 { drums[4].choke(sampleRate: sampleRate) }
        // Drum hits take the morph where it stands when they start.
        drums[index].tune = kitA.tune[index] + (kitB.tune[index] - kitA.tune[index]) * m
        drums[index].decay = kitA.decay[index] + (kitB.decay[index] - kitA.decay[index]) * m
        drums[index].tone = kitA.tone[index] + (kitB.tone[index] - kitA.tone[index]) * m
        drums[index].trigger(velocity: velocity, sampleRate: sampleRate)
    }

    /// A live `SoundParameter` of the drum family (codes 64 on: tune, decay, tone per piece).
    // real time
    @_noAllocation @_noLocks
    mutating func setSound(code: UInt8, value: Float) {
        guard code >= 64 else { return }
        let piece = Int(code - 64) / 3
        guard piece < Self.drumCount else { return }
        switch (code - 64) % 3 {
        case 0: kitA.tune[piece] = value
        case 1: kitA.decay[piece] = value
        default: kitA.tone[piece] = value
        }
        if !hasMorph { kitB = kitA }
    }

    // real time
    @_noAllocation @_noLocks
    func activeVoices() -> Int {
        var n = 0
        for i in 0..<Self.drumCount where drums[i].isActive { n += 1 }
        return n
    }

    /// Adds the sounding pieces into `scratch`; false when none sounds.
    // real time
    @_noAllocation @_noLocks
    func render(into scratch: UnsafeMutablePointer<Float>, count: Int, sampleRate: Float, resets: inout Int) -> Bool {
        var sounding = false
        for i in 0..<Self.drumCount where drums[i].isActive {
            sounding = true
            if !drums[i].render(into: scratch, count: count, gain: 1, sampleRate: sampleRate) { resets += 1 }
        }
        return sounding
    }

    /// A closed channel lets its pieces go at once.
    // real time
    @_noAllocation @_noLocks
    func releaseSilently(sampleRate: Float) {
        for i in 0..<Self.drumCount where drums[i].isActive { drums[i].trigger(velocity: 0, sampleRate: sampleRate) }
    }
}

extension DrumKitSettings {
    /// Each piece's pitch and decay multipliers, flattened for the audio thread.
    /// Semitones, decay multipliers and tones per piece.
    struct Tuning {
        var tune: InlineArray<9, Float>
        var decay: InlineArray<9, Float>
        var tone: InlineArray<9, Float>
    }

    var tuning: Tuning {
        var t = Tuning(tune: InlineArray(repeating: 0), decay: InlineArray(repeating: 1), tone: InlineArray(repeating: 0.5))
        // The kit-wide `tune` is a frequency multiplier (1 = stock); pieces add semitones.
        let kitSemitones = 12 * fastLog2(max(tune, 0.01))
        for i in 0..<min(9, pieces.count) {
            t.tune[i] = kitSemitones + pieces[i].tune
            t.decay[i] = decay * pieces[i].decay
            t.tone[i] = pieces[i].tone
        }
        return t
    }
}
