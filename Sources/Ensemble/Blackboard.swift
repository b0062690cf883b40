/// What the band has played, shared by all agents: the notes already decided for the current
/// bar (by agents that plan earlier) and the whole previous bar. Agents listen through it.
public struct Blackboard: Sendable {
    public private(set) var currentBar: [PlannedNote] = []
    public private(set) var previousBar: [PlannedNote] = []

    public init() {}

    mutating func startBar() {
        previousBar = currentBar
        currentBar = []
    }

    mutating func post(_ notes: [PlannedNote]) { currentBar += notes }

    /// The beat where a drum fill starts in the current bar (a run of snares or toms in the
    /// last beat), or nil: other parts keep out of its way.
    public func fillStart(beatsPerBar: Int) -> Double? {
        let last = Double(beatsPerBar - 1)
        let hits = currentBar.filter { $0.beat >= last && DrumNote.fillNotes.contains($0.pitch) }
        return hits.count >= 2 ? last : nil
    }

    /// Grid steps (sixteenths) of the kick drum in the current bar.
    public func kickSteps(stepsPerBeat: Int) -> [Int] {
        currentBar.filter { $0.pitch == DrumNote.kick }
            .map { Int(($0.beat * Double(stepsPerBeat)).rounded()) }
            .sorted()
    }
}
