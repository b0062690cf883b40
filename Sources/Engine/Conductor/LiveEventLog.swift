import Realtime
import Foundation
import Synchronization

/// The note event stream of a live performance, written to a CSV file as the conductor
/// schedules it (the same columns as `render --events`), so a live set can be compared with an
/// offline replay of its recorded cues.
///
/// The conductor only appends a line to a list (a lock held for the append); a writer thread
/// of its own takes the list ten times a second and writes it, so a slow disk never stalls the
/// conductor.
public final class LiveEventLog: @unchecked Sendable {
    private let handle: FileHandle
    private let agentNames: [String]
    private let sampleRate: Double
    private let waiting = Guarded<[String]>([])
    private let running = Atomic<Bool>(true)
    /// One writer at a time (the thread, or `close`'s last write), in order; never the conductor.
    private let writing = Guarded(())

    public init(path: String, agentNames: [String], sampleRate: Double) throws {
        FileManager.default.createFile(atPath: path, contents: Data(EventLog.header.utf8))
        guard let h = FileHandle(forWritingAtPath: path) else { throw CocoaError(.fileWriteNoPermission) }
        h.seekToEndOfFile()
        handle = h
        self.agentNames = agentNames
        self.sampleRate = sampleRate
        let t = Thread { [self] in
            while running.load(ordering: .acquiring) {
                flush()
                Thread.sleep(forTimeInterval: 0.1)
            }
            flush()
        }
        t.name = "polyphon-event-log"
        t.start()
    }

    /// Called on the conductor thread: formats the line and queues it.
    public func append(_ r: NoteRecord) {
        let line = EventLog.line(r, agentNames: agentNames, sampleRate: sampleRate)
        waiting.withLock { $0.append(line) }
    }

    /// Writes what is queued (the writer thread; `close` at the end).
    public func flush() {
        writing.withLock { _ in
            let lines = waiting.withLock { list -> [String] in defer { list.removeAll(keepingCapacity: true) }; return list }
            if !lines.isEmpty { handle.write(Data(lines.joined().utf8)) }
        }
    }

    /// Stops the writer after a last write.
    public func close() { running.store(false, ordering: .releasing) }
}
