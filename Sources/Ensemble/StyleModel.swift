import Music

/// One role's learned style: what a lead, bass, drummer or harmony player of a corpus tends
/// to play next, given what it just played and where in the bar it is.
///
/// Melodic roles are factorised into two variable-order models rather than one over joint
/// (interval, duration) symbols: a few hundred tunes give ~10⁵ notes, too few to see most joint
/// contexts, while rhythm and pitch each have a small alphabet that fills quickly.
/// - rhythm: the next duration given the metric position and the last four durations;
/// - pitch: the next interval (or rest) given the metric accent and the last four intervals.
/// The metric position of the next step is not predicted at all: it follows from the last
/// step's position and length.
public struct StyleModel: Sendable {
    public let role: Role
    /// How many past steps (notes, drum steps, chords) a context holds at most.
    public internal(set) var order: Int
    /// Training files and where they came from (for the file header and people).
    public internal(set) var files: Int
    public internal(set) var source: String
    /// Phrases (tunes, voices, grooves, pieces) the counts came from.
    public internal(set) var sequences: Int
    /// Sixteenths in a bar of the training music.
    public internal(set) var barSteps: Int
    var tables: [String: BackoffTable]

    init(role: Role, order: Int, files: Int, source: String, sequences: Int, barSteps: Int, tables: [String: BackoffTable]) {
        self.role = role
        self.order = order
        self.files = files
        self.source = source
        self.sequences = sequences
        self.barSteps = barSteps
        self.tables = tables
    }

    /// An untrained model of `role`: uniform until it learns.
    public init(role: Role, order: Int = 4, barSteps: Int = 16) {
        self.init(role: role, order: order, files: 0, source: "untrained", sequences: 0, barSteps: barSteps,
                  tables: Self.emptyTables(role: role, order: order))
    }

    static func emptyTables(role: Role, order: Int) -> [String: BackoffTable] {
        let history = (1...max(1, order)).map { "\($0)" }
        switch role {
        case .lead, .bass, .texture:
            return [
                "pitch": BackoffTable(features: ["accent"] + history.map { "interval-" + $0 },
                                      alphabet: Array(-12...12) + [restSymbol]),
                "rhythm": BackoffTable(features: ["position"] + history.map { "length-" + $0 }, alphabet: Array(1...16)),
            ]
        case .drums:
            return ["drums": BackoffTable(features: ["position", "phrase-end", "bar-ago"] + history.map { "step-" + $0 }, alphabet: [0])]
        case .harmony:
            let all = (0..<7).flatMap { d in Chord.Quality.allCases.map { ChordSymbol(degree: d, quality: $0).code } }
            return ["chords": BackoffTable(features: ["minor"] + history.map { "chord-" + $0 }, alphabet: all)]
        }
    }

    static let restSymbol = 99

    /// Total counted symbols, over all tables.
    public var symbolCount: Int { tables.values.map(\.symbolCount).max() ?? 0 }
    public var contextCount: Int { tables.values.map(\.contexts.count).reduce(0, +) }

    public var summary: String {
        let unit: String
        switch role {
        case .lead, .bass, .texture: unit = "phrases"
        case .drums: unit = "grooves"
        case .harmony: unit = "pieces"
        }
        return "\(role.rawValue): \(sequences) \(unit), \(compact(symbolCount)) symbols, order \(order), \(compact(contextCount)) contexts"
    }

    // MARK: contexts

    /// Metric weight of a position: downbeat, half bar, beat, eighth, sixteenth.
    func accent(_ position: Int) -> Int {
        if position == 0 { return 0 }
        if position * 2 == barSteps { return 1 }
        if position % 4 == 0 { return 2 }
        return position % 2 == 0 ? 3 : 4
    }

    static func symbol(_ step: MelodyStep) -> Int { step.interval ?? restSymbol }

    func pitchContext(_ history: ArraySlice<MelodyStep>, position: Int) -> [Int?] {
        [accent(position)] + (0..<order).map { i in
            history.count > i ? Self.symbol(history[history.endIndex - 1 - i]) : nil
        }
    }

    func rhythmContext(_ history: ArraySlice<MelodyStep>, position: Int) -> [Int?] {
        [position] + (0..<order).map { i in history.count > i ? history[history.endIndex - 1 - i].sixteenths : nil }
    }

    /// Drums hear the position, whether this bar ends a four-bar group (where fills and
    /// variations go), the same step a bar ago (so a groove repeats), then the last steps.
    /// In the first bar "a bar ago" is -1 rather than missing, so the last steps still count
    /// and the opening bar is one groove, not a blend of all of them.
    func drumContext(_ history: ArraySlice<UInt16>, position: Int, phraseEnd: Bool) -> [Int?] {
        let barAgo = history.count >= barSteps ? Int(history[history.endIndex - barSteps]) : -1
        return [position, phraseEnd ? 1 : 0, barAgo] + (0..<order).map { i in history.count > i ? Int(history[history.endIndex - 1 - i]) : nil }
    }

    func chordContext(_ history: ArraySlice<ChordSymbol>, minor: Bool) -> [Int?] {
        [minor ? 1 : 0] + (0..<order).map { i in history.count > i ? history[history.endIndex - 1 - i].code : nil }
    }

    /// Where the step after `history` starts in the bar.
    func nextPosition(after history: [MelodyStep]) -> Int {
        guard let last = history.last else { return 0 }
        return (last.position + last.sixteenths) % barSteps
    }
}

func compact(_ n: Int) -> String {
    if n < 1000 { return "\(n)" }
    let k = Double(n) / 1000
    return k < 100 ? "\((k * 10).rounded() / 10)k" : "\(Int(k.rounded()))k"
}
