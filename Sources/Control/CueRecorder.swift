import Realtime
import Engine
import Foundation
import Synchronization

/// Records every applied control message, with the audio-clock frame it landed on, as a cue
/// file. Played back (`--cues`, or `render --cues`) with the same patch and seed, it lands every
/// change on the same frame and so gives the same performance.
public final class CueRecorder: @unchecked Sendable {
    private let handle: FileHandle
    let sampleRate: Double
    /// Messages accepted but not yet landed, by the conductor's sequence number.
    private let waiting = Guarded<[Int: [OSCMessage]]>([:])
    private let lock = Guarded(())
    private let running = Atomic<Bool>(false)
    /// Where the conductor says submissions landed (frame and beat).
    private var landings: (@Sendable () -> [Conductor.Landing])?

    public init(path: String, sampleRate: Double, patch: String, seed: UInt64) throws {
        FileManager.default.createFile(atPath: path, contents: nil)
        guard let h = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        handle = h
        self.sampleRate = sampleRate
        write("# recorded by polyphon serve \(Date()): patch \(patch), seed \(seed), \(Int(sampleRate)) Hz\n")
    }

    private func write(_ text: String) {
        lock.withLock { _ in handle.write(Data(text.utf8)) }
    }

    /// Messages the dispatcher submitted as `sequence` (any control thread).
    public func expect(sequence: Int, messages: [OSCMessage]) {
        waiting.withLock { $0[sequence] = messages }
    }

    /// Writes each submission as it lands, from a thread of its own (never the conductor's).
    public func start(landings: @escaping @Sendable () -> [Conductor.Landing]) {
        self.landings = landings
        running.store(true, ordering: .releasing)
        let t = Thread { [self] in
            while running.load(ordering: .acquiring) {
                drain()
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        t.name = "polyphon-cue-recorder"
        t.start()
    }

    /// Writes what has landed, in landing order.
    func drain() {
        guard let landings else { return }
        for l in landings().sorted(by: { ($0.frame, $0.sequence) < ($1.frame, $1.sequence) }) {
            guard let messages = waiting.withLock({ $0.removeValue(forKey: l.sequence) }) else { continue }
            record(frame: l.frame, beat: l.beat, messages: messages)
        }
    }

    /// One landed submission: the time is exact to the frame; the comment gives the musical
    /// time (bar and beat, counted from 1) for people reading it.
    public func record(frame: Int64, beat: Double? = nil, messages: [OSCMessage]) {
        let seconds = String(format: "%.9f", Double(max(0, frame)) / sampleRate)
        var musical = ""
        if let beat, beat >= 0 {
            musical = String(format: "   # bar %d beat %.2f", Int(beat / 4) + 1, beat.truncatingRemainder(dividingBy: 4) + 1)
        }
        var text = ""
        for m in messages {
            let args = m.arguments.map { a -> String in
                switch a {
                case .string(let s): "\"\(s.replacingOccurrences(of: "\"", with: "'"))\""
                case .bool(let b): b ? "true" : "false"
                case .int(let v): "\(v)"
                case .int64(let v): "\(v)"
                case .float(let v): v.description.contains(".") || v.description.contains("e") ? v.description : v.description + ".0"
                case .double(let v): v.description.contains(".") || v.description.contains("e") ? v.description : v.description + ".0"
                case .null, .impulse, .blob: ""
                }
            }
            text += ([seconds, m.address] + args.filter { !$0.isEmpty }).joined(separator: " ") + musical + "\n"
        }
        write(text)
    }

    /// Writes what has landed, then closes the file (after the conductor has stopped).
    public func close() {
        running.store(false, ordering: .releasing)
        drain()
        lock.withLock { _ in try? handle.close() }
    }
}
