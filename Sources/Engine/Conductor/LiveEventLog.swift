import Foundation
import Synchronization

/// The note event stream of a live performance, written to a CSV file as the conductor
/// schedules it (the same columns as `render --events`), so a live set can be compared with an
/// offline replay of its recorded cues.
public final class LiveEventLog: @unchecked Sendable {
    private let handle: FileHandle
    private let agentNames: [String]
    private let sampleRate: Double
    private let lock = Mutex(())

    public init(path: String, agentNames: [String], sampleRate: Double) throws {
        FileManager.default.createFile(atPath: path, contents: Data(EventLog.header.utf8))
        guard let h = FileHandle(forWritingAtPath: path) else { throw CocoaError(.fileWriteNoPermission) }
        h.seekToEndOfFile()
        handle = h
        self.agentNames = agentNames
        self.sampleRate = sampleRate
    }

    /// Called on the conductor thread; the write goes straight to the file.
    public func append(_ r: NoteRecord) {
        let line = EventLog.line(r, agentNames: agentNames, sampleRate: sampleRate)
        lock.withLock { _ in handle.write(Data(line.utf8)) }
    }
}
