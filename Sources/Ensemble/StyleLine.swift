import Music

/// A played line: the model's steps turned into MIDI pitches, kept in a key and a range.
public struct LineNote: Hashable, Sendable {
    public var step: MelodyStep
    /// MIDI pitch, nil for a rest.
    public var pitch: Int?
}

extension StyleModel {
    /// Continues `history` for exactly `sixteenths`, starting from the last sounding `pitch`,
    /// with every note in `key` and `range` (as a lead or bass agent asks). Where nothing fits,
    /// the line rests to the end.
    public func line(after history: [MelodyStep], from pitch: Int, key: Key, range: ClosedRange<Int>,
                     sixteenths: Int, rng: inout SeededRandom) -> [LineNote] {
        var history = history
        var current = pitch
        var left = sixteenths
        var out: [LineNote] = []
        while left > 0 {
            let step = nextStep(after: history, allow: { s in
                guard s.sixteenths <= left else { return false }
                guard let i = s.interval else { return true }
                return range.contains(current + i) && key.contains(current + i)
            }, rng: &rng) ?? MelodyStep(interval: nil, sixteenths: min(16, left), position: nextPosition(after: history))
            if let i = step.interval { current += i }
            left -= step.sixteenths
            history.append(step)
            out.append(LineNote(step: step, pitch: step.interval == nil ? nil : current))
        }
        return out
    }
}
