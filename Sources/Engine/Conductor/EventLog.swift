import Realtime
import Foundation
import Synchronization

/// Collects the note event stream of a render so tests and users can check which notes were
/// played, when, and in which key.
public final class EventLog: Sendable {
    private let records = Guarded<[NoteRecord]>([])
    public let agentNames: [String]

    public init(agentNames: [String]) { self.agentNames = agentNames }

    public func append(_ r: NoteRecord) { records.withLock { $0.append(r) } }

    public var all: [NoteRecord] { records.withLock { $0 } }

    /// One line per note-on: time, agent, pitch, velocity, bar, key tonic, mode, chord root.
    public func csv(sampleRate: Double) -> String {
        EventLog.header + all.map { EventLog.line($0, agentNames: agentNames, sampleRate: sampleRate) }.joined()
    }

    static let header = "seconds,frame,agent,pitch,velocity,bar,tonic,mode,chord_root\n"

    static func line(_ r: NoteRecord, agentNames: [String], sampleRate: Double) -> String {
        let t = String(format: "%.6f", Double(r.frame) / sampleRate)
        let v = String(format: "%.3f", r.velocity)
        return "\(t),\(r.frame),\(agentNames[r.agent]),\(r.pitch),\(v),\(r.bar),\(r.key.tonic.value),\(r.key.mode.rawValue),\(r.chord.root.value)\n"
    }
}
