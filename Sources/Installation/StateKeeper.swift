import Realtime
import Control
import Engine
import Foundation
import Logging
import Synchronization

/// Saves the installation's state once a second whenever it changed. A failed write (disk
/// full, file gone read-only) is logged at most once a minute and never stops the music.
public final class StateKeeper: @unchecked Sendable {
    let file: StateFile
    let store: ParameterStore
    let cues: CuePlayer?
    let logger: Logger
    /// The patch file and seed, which change only when a patch is switched.
    public let identity: Guarded<(patch: String, seed: UInt64)>
    private let running = Atomic<Bool>(false)
    private var last: SavedState?
    private var lastComplaint = Date.distantPast
    public private(set) var saves = 0
    /// Starts counted in the state file (this one included).
    public var restarts = 0
    /// The patch the config names (saved, so an edited config is noticed at the next start).
    public var configured: String?

    public init(file: StateFile, store: ParameterStore, cues: CuePlayer?, patch: String, seed: UInt64, logger: Logger) {
        self.file = file
        self.store = store
        self.cues = cues
        self.logger = logger
        identity = Guarded((patch, seed))
    }

    /// The state as it stands now.
    public func current() -> SavedState {
        let id = identity.withLock { $0 }
        var s = SavedState(patch: id.patch, seed: id.seed, steering: store.read(), cue: cues?.cursor)
        s.restarts = restarts
        s.configured = configured
        return s
    }

    private let saving = Guarded(())

    /// Saves if anything changed since the last save. One save at a time: the final one at
    /// shutdown may meet the thread's own.
    public func saveIfChanged() {
        saving.withLock { _ in saveNow() }
    }

    private func saveNow() {
        var state = current()
        if var previous = last {
            previous.savedAt = state.savedAt
            if previous == state { return }
        }
        do {
            try file.save(state)
            state.savedAt = Date()
            last = state
            saves += 1
        } catch {
            if Date().timeIntervalSince(lastComplaint) > 60 {
                logger.error("state not saved: \(error)")
                lastComplaint = Date()
            }
        }
    }

    public func start() {
        running.store(true, ordering: .releasing)
        Thread.detachNewThread { [self] in
            while running.load(ordering: .acquiring) {
                saveIfChanged()
                Thread.sleep(forTimeInterval: 1)
            }
        }
    }

    /// Stops the thread and saves one last time.
    public func stop() {
        running.store(false, ordering: .releasing)
        saveIfChanged()
    }
}
