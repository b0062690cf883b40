import Realtime
import Control
import Engine
import Foundation
import Installation
import Logging
import Synchronization

/// Switches the show's patch, from OSC (a name in the patch folder), SIGHUP or the schedule
/// (trusted paths). Reads and checks the file and builds the new renderer and band on the
/// caller's control thread, then hands them to the conductor: nothing waits for the conductor
/// and no lock is held across anything but this object's own bookkeeping.
final class PatchChanger: @unchecked Sendable {
    let stage: Stage
    let router: CommandRouter
    let keeper: StateKeeper?
    let logger: Logger
    /// Where names sent over OSC resolve; replaced on SIGHUP.
    var folder: ShowFolder {
        get { state.withLock { $0.folder } }
        set { state.withLock { $0.folder = newValue } }
    }
    /// The patch file playing and its text (a reload of the same file changes nothing), and one
    /// switch at a time: OSC, SIGHUP and the schedule may ask at once.
    private let state: Guarded<(folder: ShowFolder, path: String, text: String)>
    private let switching = Guarded(())

    init(stage: Stage, router: CommandRouter, keeper: StateKeeper?, folder: ShowFolder, playing: (path: String, text: String),
         logger: Logger) {
        self.stage = stage
        self.router = router
        self.keeper = keeper
        self.logger = logger
        state = Guarded((folder, playing.path, playing.text))
    }

    /// `/polyphon/patch NAME`: only from the patch folder; errors name line and column, never
    /// the file's content.
    func load(named name: String) throws(Rejection) {
        let path: String
        do { path = try folder.resolve(name) } catch { throw Rejection("/polyphon/patch", error.reason) }
        do {
            try switchPatch(to: path)
        } catch let e as SourceErrors {
            logger.error("patch \(path) refused:\n\(e)")
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            throw Rejection("/polyphon/patch", SourceErrors.summary(e.errors, file: name, text: text))
        } catch {
            throw Rejection("/polyphon/patch", "cannot read patch file '\(ShowFolder.printable(name))'")
        }
    }

    /// Loads a patch file and crossfades to it; a broken file changes nothing.
    func switchPatch(to path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CocoaError(.fileReadNoSuchFile) }
        let patch = try Patch(file: path, text: text)
        switching.withLock { _ in
            if state.withLock({ $0.path == path && $0.text == text }) { return }
            var p = patch
            p.seed = keeper?.identity.withLock({ $0.seed }) ?? patch.seed
            let next = stage.switchTo(p)
            for problem in next.renderer.instrumentProblems { logger.error("silent part in patch '\(p.name)': \(problem)") }
            router.reconfigure(agentNames: p.agents.map(\.spec.name), steering: p.initialSteering)
            state.withLock { $0.path = path; $0.text = text }
            keeper?.identity.withLock { $0.patch = path }
            logger.notice("switched to patch '\(p.name)' from \(path) (2 s crossfade)")
        }
    }
}
