import Engine
import Foundation
import Logging

/// The cue deck: loads cue files (parsed, checked and compiled into typed commands on the
/// caller's control thread) and hands them to the `CuePlayback` the conductor runs.
///
/// A file with errors is refused whole and the one playing goes on. Errors sent to a
/// controller name the file, line and column, never the file's content (the log has it).
public final class CuePlayer: CueDeck, @unchecked Sendable {
    let router: CommandRouter
    public let playback: CuePlayback
    let logger: Logger
    /// Where names given over OSC resolve; nil resolves them as plain paths (tools, tests).
    let folder: ShowFolder?

    /// - Parameter autoGo: seconds after which a `wait go` releases by itself (offline renders).
    public init(router: CommandRouter, sampleRate: Double, autoGo: Double? = nil, folder: ShowFolder? = nil,
                logger: Logger = Logger(label: "cues")) {
        self.router = router
        self.folder = folder
        playback = CuePlayback(sampleRate: sampleRate, autoGo: autoGo)
        self.logger = logger
    }

    /// The cue file and the entry playback is at, for the state file.
    public var cursor: (file: String, index: Int)? { playback.cursor }

    /// Loads `path` (a trusted path: the command line, the state file) and plays it from the top.
    public func load(path: String) throws(Rejection) {
        try play(path: path, from: 0, shown: path)
    }

    /// Loads `path` and continues at entry `index` (after a restart).
    public func resume(path: String, at index: Int) throws(Rejection) {
        try play(path: path, from: index, shown: path)
    }

    private func play(path: String, from index: Int, shown: String) throws(Rejection) {
        let address = "/polyphon/cue/load"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Rejection(address, "cannot read cue file '\(shown)'")
        }
        let script: CueScript
        do {
            let list = try CueList(file: path, text: text)
            script = try list.compile(agentNames: router.agentNames, steering: router.store.read())
        } catch {
            logger.error("cue file \(path) refused:\n\(error.errors.map(\.description).joined(separator: "\n"))")
            throw Rejection(address, SourceErrors.summary(error.errors, file: shown, text: text))
        }
        playback.play(script, from: index)
        logger.notice("cue file \(path) loaded: \(script.entries.count) entries")
    }

    /// Plays an already parsed list from the top (offline renders, tests).
    public func play(_ list: CueList) throws(SourceErrors) {
        playback.play(try list.compile(agentNames: router.agentNames, steering: router.store.read()))
    }

    public func go() { playback.go() }
    public func stop() { playback.stop() }
    public func pause() { playback.pause() }

    public func goto(label: String) throws(Rejection) {
        guard playback.goto(label: label) else { throw Rejection("/polyphon/cue/goto", "no label '\(label)' in the loaded cue file") }
    }

    // MARK: CueDeck

    public func perform(_ request: CueRequest) throws(Rejection) {
        switch request {
        case .load(let name):
            guard let folder else { try load(path: name); return }
            let path: String
            do { path = try folder.resolve(name) } catch { throw Rejection("/polyphon/cue/load", error.reason) }
            try play(path: path, from: 0, shown: name)
        case .go: go()
        case .goto(let label): try goto(label: label)
        case .stop: stop()
        case .pause: pause()
        }
    }

    /// Read by status and feedback (control threads), which is also where a loop the playback
    /// had to stop is logged, once: the conductor never logs.
    public var position: (current: String, next: String) {
        if let runaway = playback.takeRunaway() { logger.error("\(runaway)") }
        return playback.position
    }
}
