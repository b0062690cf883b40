/// Counting: how a model learns from sequences of symbols. Training and live learning both
/// come through here.
extension StyleModel {
    /// Learns a melodic line. The first step only sets the context (its interval has no
    /// previous note); every later one is counted.
    public mutating func learn(melody steps: [MelodyStep]) {
        guard steps.count > 1, tables["pitch"] != nil else { return }
        for t in 1..<steps.count { learnStep(steps[t], history: steps[max(0, t - order)..<t]) }
        sequences += 1
    }

    mutating func learnStep(_ step: MelodyStep, history: ArraySlice<MelodyStep>, weight: Int = 1) {
        let pc = pitchContext(history, position: step.position)
        let rc = rhythmContext(history, position: step.position)
        tables["pitch"]?.add(Self.symbol(step), context: pc, weight: weight)
        tables["rhythm"]?.add(step.sixteenths, context: rc, weight: weight)
    }

    /// Learns a groove: one bitmask per sixteenth, starting on a downbeat. Every fourth bar
    /// counts as a phrase end, where a drummer fills or varies.
    public mutating func learn(groove steps: [UInt16]) {
        guard !steps.isEmpty, tables["drums"] != nil else { return }
        for t in 0..<steps.count {
            let history = steps[max(0, t - barSteps - order)..<t]
            let context = drumContext(history, position: t % barSteps, phraseEnd: (t / barSteps) % 4 == 3)
            tables["drums"]!.add(Int(steps[t]), context: context)
        }
        sequences += 1
    }

    /// Learns a progression (consecutive chords differ) in a major or minor key.
    public mutating func learn(progression chords: [ChordSymbol], minor: Bool) {
        guard !chords.isEmpty, tables["chords"] != nil else { return }
        for t in 0..<chords.count {
            let context = chordContext(chords[max(0, t - order)..<t], minor: minor)
            tables["chords"]!.add(chords[t].code, context: context)
        }
        sequences += 1
    }

    /// Forgets contexts seen fewer than `minCount` times, to keep the file small and the
    /// long contexts trustworthy.
    public mutating func prune(minCount: Int) {
        for name in tables.keys { tables[name]!.prune(minCount: minCount) }
    }

    public mutating func setSource(files: Int, source: String) {
        self.files = files
        self.source = source
    }
}

/// A model that keeps learning while it plays, for a live player: a few bars of their
/// playing already bend the answers towards their style. Memory stays bounded: when the
/// contexts pass `maxContexts` (the base model's plus `extraContexts`), every count is halved,
/// so the oldest evidence fades first — the corpus too, as the player's style takes over.
/// Used from one thread (the conductor).
public final class OnlineStyle {
    public private(set) var model: StyleModel
    public let maxContexts: Int
    /// The line learned so far (the last `order` steps are the context for the next).
    public private(set) var recent: [MelodyStep] = []
    /// Weight of one live note against one corpus note: a player should be heard quickly.
    public var weight: Int

    /// Starts from `base` (a trained model, or an untrained one) and learns on top of it.
    public init(base: StyleModel, extraContexts: Int = 20_000, weight: Int = 4) {
        model = base
        maxContexts = base.contextCount + extraContexts
        self.weight = weight
    }

    public convenience init(role: Role = .lead, maxContexts: Int = 20_000) {
        self.init(base: StyleModel(role: role), extraContexts: maxContexts, weight: 1)
    }

    public func learn(_ step: MelodyStep) {
        if !recent.isEmpty {
            model.learnStep(step, history: recent.suffix(model.order)[...], weight: weight)
        }
        recent.append(step)
        if recent.count > 64 { recent.removeFirst(recent.count - model.order) }
        while model.contextCount > maxContexts {
            for name in model.tables.keys { model.tables[name]!.halve() }
        }
    }

    /// Starts a new phrase: the next step learned has no context.
    public func breakPhrase() { recent.removeAll() }

    public func nextStep(after history: [MelodyStep], allow: (MelodyStep) -> Bool, rng: inout SeededRandom) -> MelodyStep? {
        model.nextStep(after: history, allow: allow, rng: &rng)
    }

    public func logLikelihood(of steps: [MelodyStep]) -> Double { model.logLikelihood(of: steps) }
}
