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

    /// Grid steps (sixteenths) of the kick drum in the current bar.
    public func kickSteps(stepsPerBeat: Int) -> [Int] {
        currentBar.filter { $0.pitch == DrumNote.kick }
            .map { Int(($0.beat * Double(stepsPerBeat)).rounded()) }
            .sorted()
    }
}
