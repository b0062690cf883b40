/// A cue file as the conductor plays it: every message already validated into typed commands
/// when the file was loaded, so nothing is parsed on the conductor thread and an error is found
/// before the show, not during it.
public struct CueScript: Sendable {
    /// When an entry happens.
    public enum Time: Sendable, Equatable {
        /// Seconds from the start of the section.
        case seconds(Double)
        /// Bar and beat of the section (bar 1 starts at the first bar line of the section).
        case bar(Int, beat: Double)
        case afterSeconds(Double)
        case afterBeats(Double)
    }

    /// A length of time for ramps.
    public enum Length: Sendable, Equatable {
        case seconds(Double)
        case beats(Double)
    }

    public enum Item: Sendable {
        case commands(time: Time, [Command])
        case ramp(time: Time, Ramp)
        case label(String)
        case goto(label: String, times: Int?)
        case waitGo
    }

    public struct Entry: Sendable {
        public var item: Item
        public var line: Int
        /// How an operator reads it ("line 12: /polyphon/mood dark").
        public var text: String

        public init(item: Item, line: Int, text: String) {
            self.item = item
            self.line = line
            self.text = text
        }
    }

    public var file: String
    public var entries: [Entry]

    public init(file: String, entries: [Entry]) {
        self.file = file
        self.entries = entries
    }

    /// Labels and the index of the entry they name.
    public var labels: [String: Int] {
        var map: [String: Int] = [:]
        for (i, e) in entries.enumerated() { if case .label(let name) = e.item { map[name] = i } }
        return map
    }
}
