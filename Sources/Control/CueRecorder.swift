import Foundation
import Synchronization

/// Records every applied control message, with the audio-clock frame it landed on, as a cue
/// file. Played back (`--cues`, or `render --cues`) with the same patch and seed, it lands every
/// change on the same frame and so gives the same performance.
public final class CueRecorder: @unchecked Sendable {
    private let handle: FileHandle
    let sampleRate: Double
    /// The beat position of a frame (from the conductor), for the musical time in each line.
    public var beatAt: (@Sendable (Int64) -> Double)?
    private let lock = Mutex(())

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

    /// Called on the conductor thread as each change lands. The time is exact to the frame; the
    /// comment gives the musical time (bar and beat, counted from 1) for people reading it.
    public func record(frame: Int64, messages: [OSCMessage]) {
        let seconds = String(format: "%.9f", Double(max(0, frame)) / sampleRate)
        var musical = ""
        if let beat = beatAt?(frame), beat >= 0 {
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

    public func close() { lock.withLock { _ in try? handle.close() } }
}
