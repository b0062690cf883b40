/// Bars and beats. Polyphon plays in simple meters; 4/4 unless a patch says otherwise.
public struct Meter: Hashable, Sendable {
    public var beatsPerBar: Int
    /// Grid steps per beat for drum and comping patterns (4 = sixteenths).
    public var stepsPerBeat: Int

    public init(beatsPerBar: Int = 4, stepsPerBeat: Int = 4) {
        self.beatsPerBar = beatsPerBar
        self.stepsPerBeat = stepsPerBeat
    }

    public var stepsPerBar: Int { beatsPerBar * stepsPerBeat }
}
