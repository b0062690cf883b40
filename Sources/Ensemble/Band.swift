import Music

/// The ensemble: agents, the band leader and the blackboard. `planBar` is called once per bar,
/// on the conductor thread, ahead of the audio clock.
public final class Band {
    public let agents: [any Agent]
    private var leader = BandLeader()
    private var board = Blackboard()
    private var leaderRandom: SeededRandom
    private var agentRandom: [SeededRandom]
    /// Agent indices in the order they decide (drums first, so the others can listen).
    private let order: [Int]

    public init(specs: [AgentSpec], seed: UInt64) {
        agents = specs.map { spec -> any Agent in
            switch spec.role {
            case .drums: Drummer(spec: spec)
            case .bass: Bassist(spec: spec)
            case .harmony: Comper(spec: spec)
            case .lead: Soloist(spec: spec)
            }
        }
        leaderRandom = SeededRandom(seed: seed, stream: "band-leader")
        agentRandom = specs.map { SeededRandom(seed: seed, stream: "agent-" + $0.name) }
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

    /// Every note of bar `index`, beats relative to the bar start, plus the chord played.
    /// - Parameter overrides: per agent, a live density that replaces its share of the band's.
    public func planBar(index: Int, key: Key, mood: Mood, density: Double, meter: Meter,
                        overrides: [Double?] = []) -> (notes: [PlannedNote], chord: Chord) {
        board.startBar()
        let chord = leader.chord(bar: index, key: key, rng: &leaderRandom)
        let next = leader.peekChord(after: index, key: key)
        var all: [PlannedNote] = []
        for i in order {
            var spec = agents[i].spec
            if i < overrides.count { spec.densityOverride = overrides[i] }
            let own = Band.share(of: density, for: spec)
            // Every agent draws from its generator every bar, playing or not, so muting or
            // laying out one part never changes what the others decide.
            var rng = agentRandom[i]
            agentRandom[i] = SeededRandom(seed: agentRandom[i].next())
            guard own > 0 else { continue }
            let context = BarContext(index: index, meter: meter, key: key, chord: chord, nextChord: next,
                                     mood: mood, density: own,
                                     isPhraseEnd: index % BandLeader.phraseLength == BandLeader.phraseLength - 1)
            let notes = agents[i].play(context, board: board, index: i, rng: &rng)
            board.post(notes)
            all += notes
        }
        return (all.sorted { $0.beat < $1.beat }, chord)
    }
}
