import Music

/// The ensemble: agents, the band leader, the blackboard and the ear on the live player.
/// `planBar` is called once per bar and `listen` once per beat, on the conductor thread,
/// ahead of the audio clock.
public final class Band {
    public let agents: [any Agent]
    private var leader = BandLeader()
    private var board = Blackboard()
    private var leaderRandom: SeededRandom
    private var agentRandom: [SeededRandom]
    /// Agent indices in the order they decide (drums first, so the others can listen).
    private let order: [Int]
    /// The live player as heard on the MIDI input.
    public private(set) var player = LivePlayer()
    /// The bar being played, for answers that start inside it.
    private var current: (context: BarContext, startBeat: Double)?
    private var answerRandom: SeededRandom
    public let form = Form()
    /// The section of the bar planned last (for status replies).
    public private(set) var section = Section.groove

    public init(specs: [AgentSpec], seed: UInt64, models: StyleModels = StyleModels()) {
        agents = specs.map { spec -> any Agent in
            switch spec.role {
            case .drums: Drummer(spec: spec)
            case .bass: Bassist(spec: spec)
            case .harmony: Comper(spec: spec)
            case .lead: Soloist(spec: spec, prompt: models.leadPrompt, promptPitch: models.leadPromptPitch)
            case .texture: Weaver(spec: spec)
            }
        }
        leader.model = models.harmony
        leaderRandom = SeededRandom(seed: seed, stream: "band-leader")
        agentRandom = specs.map { SeededRandom(seed: seed, stream: "agent-" + $0.name) }
        answerRandom = SeededRandom(seed: seed, stream: "answers")
        order = specs.indices.sorted { specs[$0].role.planningOrder < specs[$1].role.planningOrder }
    }

    /// The density one agent plays at: its own override, or its share of the band density.
    /// Below its role's entry density the part lays out.
    public static func share(of density: Double, for spec: AgentSpec) -> Double {
        if let own = spec.densityOverride { return own }
        let entry = spec.role.entryDensity
        if density < entry || density <= 0 { return 0 }
        return min(1, max(0.05, (density - entry) / (1 - entry) * 0.9 + 0.1 * density))
    }

    // MARK: The live player

    /// A note on the MIDI input, at a beat of the band's timeline.
    public func hear(pitch: MIDINote, velocity: Double, isOn: Bool, beat: Double) {
        if isOn && velocity > 0 {
            player.noteOn(pitch, velocity: velocity, beat: beat)
        } else {
            player.noteOff(pitch, beat: beat)
        }
        for agent in agents { agent.hear(pitch: pitch, isOn: isOn && velocity > 0, beat: beat) }
    }

    /// Beats of silence that end the player's phrase (a player who leaves gaps inside phrases
    /// wants a longer pause before the answer).
    public var playerPause: Double {
        get { player.pauseBeats }
        set { player.pauseBeats = newValue }
    }

    /// Called at each beat: when the player has just finished a phrase, the lead answers it from
    /// this beat on (call and response). Beats of the notes are relative to `beat`.
    public func listen(atBeat beat: Double) -> (notes: [PlannedNote], key: Key, chord: Chord)? {
        guard let phrase = player.takeFinishedPhrase(at: beat), let current else { return nil }
        let key = player.fittingKey(current: current.context.key)
        var context = current.context
        context.key = key
        let offset = beat - current.startBeat
        context.changes = [ChordChange(beat: 0, chord: context.chord(at: offset))]
        var notes: [PlannedNote] = []
        if let i = agents.firstIndex(where: { $0 is Soloist }), let lead = agents[i] as? Soloist {
            notes = lead.answer(phrase, at: beat, context: context, index: i, rng: &answerRandom)
        }
        return (notes, key, context.chord)
    }

    // MARK: Planning

    /// Every note of the bar starting at `startBeat`, beats relative to the bar start, plus
    /// the bar's chords.
    /// - Parameter overrides: per agent, a live density that replaces its share of the band's.
    public func planBar(index: Int, startBeat: Double, key: Key, mood: Mood, density: Double, meter: Meter,
                        overrides: [Double?] = []) -> (notes: [PlannedNote], changes: [ChordChange]) {
        board.startBar()
        var changes = leader.changes(bar: index, key: key, mood: mood, meter: meter, rng: &leaderRandom)
        let heard = player.state(before: startBeat, length: Double(meter.beatsPerBar))
        // The harmony follows the player: a chord their last bar clearly names replaces the
        // planned one.
        if heard.isPlaying, let named = LivePlayer.chord(fitting: heard.recentPitches, in: key) {
            changes = [ChordChange(beat: 0, chord: named)]
        }
        let next = leader.peekChord(after: index, key: key)
        let section = form.section(bar: index, density: density)
        self.section = section
        let along = Double(index % Form.cycle % 4) / 3
        // A build ends every bar with a fill; otherwise fills mark the phrase ends.
        let isPhraseEnd = index % BandLeader.phraseLength == BandLeader.phraseLength - 1 || section == .build
        var base = BarContext(index: index, startBeat: startBeat, meter: meter, key: key, changes: changes, nextChord: next,
                              mood: mood, density: density, isPhraseEnd: isPhraseEnd, player: heard)
        current = (base, startBeat)
        var all: [PlannedNote] = []
        for i in order {
            var spec = agents[i].spec
            if i < overrides.count { spec.densityOverride = overrides[i] }
            // The section shapes the band's density; a part's own override stands as it is.
            let sectioned = spec.densityOverride == nil
                ? form.density(density, role: spec.role, section: section, along: along) : density
            let own = Band.share(of: sectioned, for: spec)
            // Every agent draws from its generator every bar, playing or not, so muting or
            // laying out one part never changes what the others decide.
            var rng = agentRandom[i]
            agentRandom[i] = SeededRandom(seed: agentRandom[i].next())
            guard own > 0 else { continue }
            base.density = own
            let notes = agents[i].play(base, board: board, index: i, rng: &rng)
                .map { shaped($0, role: spec.role, mood: mood) }
            board.post(notes)
            all += notes
        }
        return (all.sorted { $0.beat < $1.beat }, changes)
    }

    /// The mood's feel on a decided note: swung off-beat eighths, and lengths by articulation.
    func shaped(_ note: PlannedNote, role: Role, mood: Mood) -> PlannedNote {
        var n = note
        let fraction = n.beat - n.beat.rounded(.down)
        if abs(fraction - 0.5) < 1e-6 { n.beat += mood.swing * 0.5 }
        if role != .drums { n.length = max(0.05, n.length * min(1.1, mood.articulation / 0.8)) }
        return n
    }
}
