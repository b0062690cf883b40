import Engine
import Foundation
import Music

/// One window of an installation's day: from `from` to `to` (it may wrap past midnight), the
/// mood, density, tempo, patch and volume cap to play, and the bounds inside which a crowd
/// sensor may move density and tempo. Quiet hours can be silent.
public struct ScheduleWindow: Sendable, Equatable {
    public var name: String
    /// Minutes after midnight.
    public var from: Int
    public var to: Int
    public var mood: Mood?
    public var density: Double?
    public var densityRange: ClosedRange<Double>?
    public var tempo: Double?
    public var tempoRange: ClosedRange<Double>?
    public var patch: String?
    /// Master gain cap in this window (linear).
    public var volume: Double?
    public var silent = false
    /// Seconds to glide into this window's settings.
    public var crossfade = 60.0

    public func contains(minute m: Int) -> Bool {
        from <= to ? (m >= from && m < to) : (m >= from || m < to)
    }

    static func minutes(_ text: String) -> Int? {
        let p = text.split(separator: ":")
        guard p.count == 2, let h = Int(p[0]), let m = Int(p[1]), (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 1440 else { return nil }
        return h * 60 + m
    }

    init?(section: SettingsDocument.Section, file: String, errors: inout [SourceError]) {
        name = String(section.name.dropFirst("schedule.".count))
        from = -1
        to = -1
        let before = errors.count
        func fail(_ e: SettingsDocument.Entry, _ m: String) { errors.append(SourceError(file: file, line: e.line, column: e.valueColumn, message: m)) }
        func number(_ e: SettingsDocument.Entry, _ range: ClosedRange<Double>) -> Double? {
            if case .number(let n) = e.value, range.contains(n) { return n }
            fail(e, "'\(e.key)' expects a number in \(range.lowerBound)...\(range.upperBound)")
            return nil
        }
        var densityMin: Double?, densityMax: Double?, tempoMin: Double?, tempoMax: Double?
        for e in section.entries {
            switch e.key {
            case "from", "to":
                guard case .string(let s) = e.value, let m = ScheduleWindow.minutes(s) else { fail(e, "'\(e.key)' expects a time of day such as \"07:30\""); continue }
                if e.key == "from" { from = m } else { to = m }
            case "mood":
                guard case .string(let s) = e.value, let m = Mood(named: s) else { fail(e, "'mood' expects one of \(Mood.names.joined(separator: ", "))"); continue }
                mood = m
            case "density": density = number(e, 0...1)
            case "density_min": densityMin = number(e, 0...1)
            case "density_max": densityMax = number(e, 0...1)
            case "tempo": tempo = number(e, Steering.tempoRange)
            case "tempo_min": tempoMin = number(e, Steering.tempoRange)
            case "tempo_max": tempoMax = number(e, Steering.tempoRange)
            case "volume": volume = number(e, 0...2)
            case "crossfade": if let n = number(e, 0...3600) { crossfade = n }
            case "patch":
                guard case .string(let s) = e.value else { fail(e, "'patch' expects a quoted path"); continue }
                patch = s
            case "silent":
                guard case .bool(let b) = e.value else { fail(e, "'silent' expects true or false"); continue }
                silent = b
            default:
                errors.append(SourceError(file: file, line: e.line, column: e.keyColumn,
                                          message: "unknown key '\(e.key)' in [\(section.name)]; expected from, to, mood, density, density_min, density_max, tempo, tempo_min, tempo_max, volume, patch, silent or crossfade"))
            }
        }
        if from < 0 || to < 0 {
            errors.append(SourceError(file: file, line: section.line, column: section.column, message: "[\(section.name)] needs 'from' and 'to' times"))
        }
        if let lo = densityMin ?? densityMax.map({ _ in 0 }), let hi = densityMax ?? densityMin.map({ _ in 1 }) {
            if lo > hi { errors.append(SourceError(file: file, line: section.line, column: section.column, message: "[\(section.name)] density_min is above density_max")) }
            else { densityRange = lo...hi }
        }
        if let lo = tempoMin ?? tempoMax.map({ _ in Steering.tempoRange.lowerBound }), let hi = tempoMax ?? tempoMin.map({ _ in Steering.tempoRange.upperBound }) {
            if lo > hi { errors.append(SourceError(file: file, line: section.line, column: section.column, message: "[\(section.name)] tempo_min is above tempo_max")) }
            else { tempoRange = lo...hi }
        }
        if errors.count != before { return nil }
    }

    public init(name: String, from: Int, to: Int) {
        self.name = name
        self.from = from
        self.to = to
    }
}

/// Picks the window for a time of day; the last matching window in the file wins.
public struct Schedule: Sendable {
    public var windows: [ScheduleWindow]

    public init(_ windows: [ScheduleWindow]) { self.windows = windows }

    public func window(atMinute m: Int) -> ScheduleWindow? { windows.last { $0.contains(minute: m) } }

    public static func minuteOfDay(_ date: Date, calendar: Calendar = .current) -> Int {
        let c = calendar.dateComponents([.hour, .minute], from: date)
        return (c.hour ?? 0) * 60 + (c.minute ?? 0)
    }
}
