import Realtime
import Synchronization

/// Plays a cue script on the audio clock, on the conductor's thread.
///
/// Just before each advance the conductor asks it for the entries that fall before the new
/// horizon; it turns each into commands at an exact frame, converting bars and beats with the
/// tempo in force at that moment. The deck operations (GO, goto, stop, pause) come from control
/// threads and only flip flags under a lock held for the change; nothing here waits.
/// Offline, a `wait go` is released after `autoGo` seconds.
public final class CuePlayback: CueSource, @unchecked Sendable {
    let sampleRate: Double
    let autoGo: Double?
    private let state = Guarded(State())

    struct State {
        var script: CueScript?
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
        /// Set when a loop takes no time (reported by the owner's log, not from this thread).
        var runaway: String?
    }

    /// - Parameter autoGo: seconds after which a `wait go` releases by itself (offline renders);
    ///   nil to wait for GO.
    public init(sampleRate: Double, autoGo: Double? = nil) {
        self.sampleRate = sampleRate
        self.autoGo = autoGo
    }

    /// Starts playing `script` from entry `index` at the next advance.
    public func play(_ script: CueScript, from index: Int = 0) {
        state.withLock { $0 = State(script: script, index: min(max(0, index), script.entries.count)) }
    }

    /// The cue file and the entry playback is at, for the state file; nil when nothing is loaded.
    public var cursor: (file: String, index: Int)? {
        state.withLock { s in s.script.map { ($0.file, s.index) } }
    }

    public func go() {
        state.withLock { s in
            if s.paused { s.paused = false } else { s.goPending = true }
            s.stopped = false
        }
    }

    /// Jumps to `label`; false if the loaded script has none.
    public func goto(label: String) -> Bool {
        state.withLock { s in
            guard let i = s.script?.labels[label] else { return false }
            s.index = i
            s.sectionStart = nil
            s.waitingSince = nil
            s.paused = false
            s.stopped = false
            return true
        }
    }

    public func stop() { state.withLock { $0.stopped = true } }
    public func pause() { state.withLock { $0.paused = true } }

    /// A loop that took no time and stopped playback, once (for the owner to log).
    public func takeRunaway() -> String? { state.withLock { s in defer { s.runaway = nil }; return s.runaway } }

    /// The cue that fired last and the one that comes next, as an operator reads them.
    public var position: (current: String, next: String) {
        state.withLock { s in
            guard let script = s.script else { return ("", "") }
            let next: String
            if s.stopped { next = "stopped" }
            else if s.index >= script.entries.count { next = "end" }
            else { next = script.entries[s.index].text + (s.paused ? " (paused)" : "") }
            return (s.current, next)
        }
    }

    // MARK: CueSource (conductor thread)

    public func conductor(_ conductor: Conductor, willAdvanceTo target: Int64) {
        state.withLock { s in
            guard let script = s.script, !s.stopped, !s.paused else { return }
            let now = conductor.scheduledUntil
            if s.sectionStart == nil {
                s.sectionStart = now
                s.last = now
            }
            var jumps = 0
            while s.index < script.entries.count {
                let entry = script.entries[s.index]
                switch entry.item {
                case .label:
                    s.sectionStart = s.last
                    s.index += 1
                case .waitGo:
                    if s.waitingSince == nil { s.waitingSince = max(s.last, now) }
                    var release: Int64?
                    if s.goPending { release = now }
                    else if let autoGo, let since = s.waitingSince { release = since + Int64(autoGo * sampleRate) }
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
                        s.runaway = "cue file \(script.file): the loop at line \(entry.line) takes no time; cue playback stopped"
                        s.current = "line \(entry.line): a loop that takes no time"
                        s.stopped = true
                        return
                    }
                    s.index = script.labels[label] ?? script.entries.count
                case .commands(let time, let commands):
                    let at = frame(of: time, in: s, conductor: conductor)
                    guard at < target else { return }
                    conductor.schedule(TimedCommands(frame: at, commands))
                    s.last = at
                    s.current = entry.text
                    s.index += 1
                case .ramp(let time, let ramp):
                    let at = frame(of: time, in: s, conductor: conductor)
                    guard at < target else { return }
                    conductor.schedule(TimedCommands(frame: at, [], ramps: [ramp]))
                    s.last = at
                    s.current = entry.text
                    s.index += 1
                }
            }
        }
    }

    private func frame(of time: CueScript.Time, in s: State, conductor: Conductor) -> Int64 {
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
}
