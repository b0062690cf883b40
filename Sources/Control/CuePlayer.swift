import Engine
import Logging
import Synchronization

/// Plays a cue list on the audio clock.
///
/// The conductor asks it, just before each advance, for the entries that fall before the new
/// schedule horizon. It turns each into a timed change at an exact frame: bars and beats are
/// converted with the tempo in force at that moment. The same player runs the live server and
/// offline renders; offline, a `wait go` is released after `autoGo` seconds.
public final class CuePlayer: CueSource, CueDeck, @unchecked Sendable {
    let router: CommandRouter
    let sampleRate: Double
    let autoGo: Double?
    let logger: Logger
    private let state = Mutex(State())

    struct State {
        var list: CueList?
        var index = 0
        /// Frame where the current section started; nil until playback reaches the conductor.
        var sectionStart: Int64?
        /// Frame of the entry before (for relative times).
        var last: Int64 = 0
        var waitingSince: Int64?
        var goPending = false
        var paused = false
        var stopped = false
        /// Jumps left for counted `goto`s, by entry index.
        var repeats: [Int: Int] = [:]
        var current = ""
    }

    /// - Parameter autoGo: seconds after which a `wait go` releases by itself (offline renders);
    ///   nil to wait for `/polyphon/cue/go`.
    public init(router: CommandRouter, sampleRate: Double, autoGo: Double? = nil, logger: Logger = Logger(label: "cues")) {
        self.router = router
        self.sampleRate = sampleRate
        self.autoGo = autoGo
        self.logger = logger
    }

    /// Starts playing `list` from the top at the next advance.
    public func play(_ list: CueList) {
        state.withLock { $0 = State(list: list) }
    }

    /// The cue file and the entry playback is at, for the state file; nil when nothing is loaded.
    public var cursor: (file: String, index: Int)? {
        state.withLock { s in s.list.map { ($0.file, s.index) } }
    }

    /// Loads `path` and continues at entry `index` (after a restart), its section starting now.
    public func resume(path: String, at index: Int) throws(Rejection) {
        try load(path: path)
        state.withLock { s in
            guard let list = s.list else { return }
            s.index = min(max(0, index), list.entries.count)
        }
    }

    // MARK: CueDeck

    public func load(path: String) throws(Rejection) {
        let address = "/polyphon/cue/load"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Rejection(address, "cannot read cue file '\(path)'")
        }
        let list: CueList
        do {
            list = try CueList(file: path, text: text)
            try list.check(agentNames: router.agentNames, steering: router.store.read())
        } catch {
            throw Rejection(address, error.errors.map(\.description).joined(separator: "; "))
        }
        play(list)
        logger.notice("cue file \(path) loaded: \(list.entries.count) entries")
    }

    public func go() {
        state.withLock { s in
            if s.paused { s.paused = false } else { s.goPending = true }
            s.stopped = false
        }
    }

    public func goto(label: String) throws(Rejection) {
        let found: Bool = state.withLock { s in
            guard let i = s.list?.labels[label] else { return false }
            s.index = i
            s.sectionStart = nil
            s.waitingSince = nil
            s.paused = false
            s.stopped = false
            return true
        }
        if !found { throw Rejection("/polyphon/cue/goto", "no label '\(label)' in the loaded cue file") }
    }

    public func stop() { state.withLock { $0.stopped = true } }

    public func pause() { state.withLock { $0.paused = true } }

    public var position: (current: String, next: String) {
        state.withLock { s in
            guard let list = s.list else { return ("", "") }
            let next: String
            if s.stopped { next = "stopped" }
            else if s.index >= list.entries.count { next = "end" }
            else { next = CuePlayer.describe(list.entries[s.index]) + (s.paused ? " (paused)" : "") }
            return (s.current, next)
        }
    }

    static func describe(_ e: CueList.Entry) -> String {
        switch e.item {
        case .message(_, let m): "line \(e.line): \(m)"
        case .ramp(_, _, let address, let target): "line \(e.line): ramp \(address) to \(target)"
        case .label(let name): "line \(e.line): label \(name)"
        case .goto(let name, _): "line \(e.line): goto \(name)"
        case .waitGo: "line \(e.line): wait go"
        }
    }

    // MARK: CueSource (conductor thread)

    public func conductor(_ conductor: Conductor, willAdvanceTo target: Int64) {
        state.withLock { s in
            guard let list = s.list, !s.stopped, !s.paused else { return }
            let now = conductor.scheduledUntil
            if s.sectionStart == nil {
                s.sectionStart = now
                s.last = now
            }
            var jumps = 0
            while s.index < list.entries.count {
                let entry = list.entries[s.index]
                switch entry.item {
                case .label:
                    s.sectionStart = s.last
                    s.index += 1
                case .waitGo:
                    if s.waitingSince == nil { s.waitingSince = max(s.last, now) }
                    var release: Int64?
                    if s.goPending { release = now }
                    else if let autoGo { release = s.waitingSince! + Int64(autoGo * sampleRate) }
                    guard let at = release, at < target else { return }
                    s.goPending = false
                    s.waitingSince = nil
                    s.sectionStart = at
                    s.last = at
                    s.current = "line \(entry.line): GO"
                    s.index += 1
                case .goto(let label, let times):
                    var jump = true
                    if let times {
                        let left = s.repeats[s.index] ?? times
                        jump = left > 0
                        if jump { s.repeats[s.index] = left - 1 } else { s.repeats[s.index] = nil }
                    }
                    guard jump else { s.index += 1; continue }
                    jumps += 1
                    if jumps > 1000 {
                        logger.error("cue file \(list.file): the loop at line \(entry.line) takes no time; cue playback stopped")
                        s.stopped = true
                        return
                    }
                    s.index = list.labels[label] ?? list.entries.count
                case .message(let time, let message):
                    let at = frame(of: time, in: s, conductor: conductor)
                    guard at < target else { return }
                    fire(message, at: at, conductor: conductor, line: entry.line, file: list.file)
                    s.last = at
                    s.current = CuePlayer.describe(entry)
                    s.index += 1
                case .ramp(let time, let length, let address, let value):
                    let at = frame(of: time, in: s, conductor: conductor)
                    guard at < target else { return }
                    ramp(address, to: value, from: at, length: length, conductor: conductor)
                    s.last = at
                    s.current = CuePlayer.describe(entry)
                    s.index += 1
                }
            }
        }
    }

    private func frame(of time: CueList.Time, in s: State, conductor: Conductor) -> Int64 {
        let start = s.sectionStart ?? conductor.scheduledUntil
        switch time {
        case .seconds(let t):
            return start + Int64((t * sampleRate).rounded())
        case .afterSeconds(let t):
            return s.last + Int64((t * sampleRate).rounded())
        case .afterBeats(let b):
            return conductor.frame(atBeat: conductor.beat(atFrame: s.last) + b)
        case .bar(let bar, let beat):
            // Bar 1 is the first bar line at or after the section start.
            let startBeat = conductor.beat(atFrame: start)
            let firstBarLine = (startBeat / 4 - 1e-6).rounded(.up) * 4
            return conductor.frame(atBeat: firstBarLine + Double(bar - 1) * 4 + (beat - 1))
        }
    }

    private func fire(_ message: OSCMessage, at frame: Int64, conductor: Conductor, line: Int, file: String) {
        let router = self.router, logger = self.logger
        conductor.schedule(TimedChange(frame: frame) { _ in
            for reply in router.handle(message) where reply.address == "/polyphon/error" {
                logger.error("\(file):\(line): \(reply.arguments.last.map { "\($0)" } ?? "")")
            }
        })
    }

    /// A ramp is a run of timed changes, 20 per second, from the value at its start to `target`.
    private func ramp(_ address: String, to target: Double, from start: Int64, length: CueList.Length, conductor: Conductor) {
        let end: Int64
        switch length {
        case .seconds(let t): end = start + Int64(t * sampleRate)
        case .beats(let b): end = conductor.frame(atBeat: conductor.beat(atFrame: start) + b)
        }
        let steps = max(1, Int(Double(end - start) / sampleRate * 20))
        let origin = RampOrigin()
        let router = self.router
        for k in 0...steps {
            let at = start + (end - start) * Int64(k) / Int64(steps)
            conductor.schedule(TimedChange(frame: at) { _ in
                if k == 0 { origin.value = router.currentValue(of: address) ?? target }
                let v = origin.value + (target - origin.value) * Double(k) / Double(steps)
                _ = router.handle(OSCMessage(address, [.double(v)]))
            })
        }
    }
}

/// The value a ramp starts from, read when its first step runs (on the conductor thread).
private final class RampOrigin: @unchecked Sendable {
    var value = 0.0
}
