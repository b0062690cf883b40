import Control
import Engine
import Foundation
import Logging
import Synchronization

/// Looks after an unattended installation, twice a second:
/// - systemd's watchdog gets a keep-alive only while the audio clock really advances, so a
///   Polyphon that stopped making sound is restarted by systemd;
/// - when the output stays silent longer than allowed while the band should be playing, the
///   band is re-armed: every voice is reset (a panic), and it is logged. Silence the operator or
///   the schedule meant (stopped, muted or soloed away, density 0, volume capped to zero) is
///   never overridden: the watchdog changes no setting, it only clears stuck voices.
public final class Caretaker: @unchecked Sendable {
    let store: ParameterStore
    /// Hands the re-arm to the conductor.
    let submit: @Sendable (TimedCommands) -> Void
    let clock: @Sendable () -> Int64
    let peak: @Sendable () -> Float
    let notifier: SystemdNotifier
    let logger: Logger
    public let silenceLimit: Double
    private let running = Atomic<Bool>(false)
    private let rearmCount = Atomic<Int>(0)
    private var lastClock: Int64 = -1
    private var silentFor = 0.0
    private var ready = false
    private var lastKeepAlive = Date.distantPast

    public init(store: ParameterStore, submit: @escaping @Sendable (TimedCommands) -> Void, clock: @escaping @Sendable () -> Int64, peak: @escaping @Sendable () -> Float,
                silenceLimit: Double, notifier: SystemdNotifier = SystemdNotifier(), logger: Logger) {
        self.store = store
        self.submit = submit
        self.clock = clock
        self.peak = peak
        self.silenceLimit = silenceLimit
        self.notifier = notifier
        self.logger = logger
    }

    public var rearms: Int { rearmCount.load(ordering: .relaxed) }

    /// Silence is meant when the band is stopped, the volume is capped to zero, the band's
    /// density is zero, or every part is muted, soloed away or set to play nothing.
    public static func intendedSilence(_ s: Steering) -> Bool {
        !s.playing || s.effectiveMasterGain <= 0.0001 || s.density <= 0
            || s.agents.indices.allSatisfy { s.isSilenced($0) || (s.agents[$0].density ?? s.density) <= 0 }
    }

    /// One look, `interval` seconds after the last.
    public func check(interval: Double) {
        let now = clock()
        let flowing = lastClock >= 0 && now > lastClock
        lastClock = now
        if flowing {
            if !ready {
                notifier.notify("READY=1\nSTATUS=playing")
                ready = true
            }
            if let w = notifier.watchdogInterval, Date().timeIntervalSince(lastKeepAlive) >= w / 3 {
                notifier.notify("WATCHDOG=1")
                lastKeepAlive = Date()
            }
        }
        let s = store.read()
        guard flowing, !Caretaker.intendedSilence(s), peak() < 1e-4 else {
            silentFor = 0
            return
        }
        silentFor += interval
        if silentFor >= silenceLimit {
            rearmCount.add(1, ordering: .relaxed)
            logger.warning("output silent for \(Int(silentFor)) s while the band should play: resetting every voice")
            if let panic = Command("/polyphon/panic", .trigger) { submit(TimedCommands([panic])) }
            silentFor = 0
        }
    }

    public func start() {
        running.store(true, ordering: .releasing)
        Thread.detachNewThread { [self] in
            while running.load(ordering: .acquiring) {
                check(interval: 0.5)
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
    }

    public func stop() {
        running.store(false, ordering: .releasing)
        notifier.notify("STOPPING=1")
    }
}
