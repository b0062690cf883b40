import Control
import Engine
import Foundation
import Logging
import Synchronization

/// Looks after an unattended installation, twice a second:
/// - systemd's watchdog gets a keep-alive only while the audio clock really advances, so a
///   Polyphon that stopped making sound is restarted by systemd;
/// - when the output stays silent longer than allowed while the band should be playing (not
///   muted, not capped to zero, not stopped), the band is re-armed: voices reset, transport on,
///   density lifted, and it is logged.
public final class Caretaker: @unchecked Sendable {
    let store: ParameterStore
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

    public init(store: ParameterStore, clock: @escaping @Sendable () -> Int64, peak: @escaping @Sendable () -> Float,
                silenceLimit: Double, notifier: SystemdNotifier = SystemdNotifier(), logger: Logger) {
        self.store = store
        self.clock = clock
        self.peak = peak
        self.silenceLimit = silenceLimit
        self.notifier = notifier
        self.logger = logger
    }

    public var rearms: Int { rearmCount.load(ordering: .relaxed) }

    /// Silence is meant when the band is stopped, every part is muted, the volume is capped to
    /// zero, or the band's density is zero.
    public static func intendedSilence(_ s: Steering) -> Bool {
        !s.playing || s.effectiveMasterGain <= 0.0001 || s.agents.allSatisfy(\.mute) || s.density <= 0
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
            logger.warning("output silent for \(Int(silentFor)) s while the band should play: re-arming the band")
            store.update { s in
                s.panicCount += 1
                s.playing = true
                // Parts set to play nothing on their own are handed back to the band.
                for i in s.agents.indices where s.agents[i].density == 0 { s.agents[i].density = nil }
                s.density = Swift.max(s.density, Swift.min(0.4, s.limits.density.upperBound)).clamped(to: s.limits.density)
            }
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
