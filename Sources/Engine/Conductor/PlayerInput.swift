import Realtime

/// A note from the live player (JACK MIDI input), stamped on the audio clock.
public struct PlayerEvent: BitwiseCopyable, Sendable {
    public var frame: Int64
    public var note: UInt8
    /// MIDI velocity 0...127; a note-on with velocity 0 is a note-off, as in MIDI.
    public var velocity: UInt8
    public var isOn: Bool

    @inlinable
    public init(frame: Int64, note: UInt8, velocity: UInt8, isOn: Bool) {
        self.frame = frame
        self.note = note
        self.velocity = velocity
        self.isOn = isOn
    }
}

/// The path from the MIDI input to the band: the JACK process callback pushes the player's
/// notes (audio thread, never blocking: a full queue drops and counts), and the conductor
/// playing now drains them. It outlives patch switches, so a player keeps being heard.
public final class PlayerInput: @unchecked Sendable {
    let queue = SPSCQueue<PlayerEvent>(capacity: 1024)

    public init() {}

    /// Called on the audio thread for each MIDI note event.
    // real time
    @_noAllocation @_noLocks
    public func push(_ event: PlayerEvent) -> Bool { queue.push(event) }

    /// Notes lost because the conductor fell behind (queue full).
    public var dropped: Int { queue.droppedCount }

    /// Takes every event up to and including `frame` (conductor thread).
    func take(through frame: Int64) -> [PlayerEvent] {
        var out: [PlayerEvent] = []
        while let e = queue.peek(), e.frame <= frame {
            _ = queue.pop()
            out.append(e)
        }
        return out
    }
}
