/// A note the renderer played in its last block, at its offset in the block: what the JACK
/// MIDI outputs send, so external synths and a DAW hear exactly what Polyphon plays.
public struct TappedNote: BitwiseCopyable, Sendable {
    public var offset: Int32
    public var track: UInt8
    public var note: UInt8
    /// MIDI velocity 1...127 for a note-on, 0 for a note-off.
    public var velocity: UInt8

    /// The `note` of an "all notes off" (transport stop, panic): MIDI CC 123 on the port.
    public static var allNotesOff: UInt8 {
        @inlinable @_noAllocation @_noLocks get { 0xFF }
    }
}

/// Fixed storage for one block's notes, written and read on the audio thread only. Notes past
/// its capacity in one block are dropped (and counted): a MIDI port could not carry them anyway.
struct NoteTap {
    static let capacity = 512
    let notes: UnsafeMutablePointer<TappedNote>
    var count = 0
    var dropped = 0

    init() {
        notes = .allocate(capacity: NoteTap.capacity)
        notes.initialize(repeating: TappedNote(offset: 0, track: 0, note: 0, velocity: 0), count: NoteTap.capacity)
    }

    func deallocate() { notes.deallocate() }

    // real time
    @_noAllocation @_noLocks
    mutating func record(offset: Int, track: UInt8, note: UInt8, velocity: Float, isOn: Bool) {
        guard count < NoteTap.capacity else { dropped += 1; return }
        var v: UInt8 = 0
        if isOn { v = UInt8(min(max(Int32(velocity * 127), 1), 127)) }
        notes[count] = TappedNote(offset: Int32(max(0, offset)), track: track,
                                  note: note == TappedNote.allNotesOff ? note : note & 0x7F, velocity: v)
        count += 1
    }
}
