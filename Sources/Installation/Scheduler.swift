import Engine
import Foundation
import Logging
import Music
import Synchronization

/// Plays an installation's day. When the clock enters a window, its mood, density, tempo and
/// volume cap glide in over the window's crossfade; its bounds then hold what the crowd sensor
/// may do. A silent window fades the volume to zero and stops the band; leaving it starts the
/// band and fades back in. A window's patch is switched by `switchPatch`.
public final class Scheduler: @unchecked Sendable {
    let schedule: Schedule
    let store: ParameterStore
    let volumeLimit: Double
    let logger: Logger
    let now: @Sendable () -> Date
    /// Switches the live patch (a window with `patch`); nil when patches can't be switched.
    public var switchPatch: (@Sendable (String) -> Void)?
    private let running = Atomic<Bool>(false)
    public private(set) var current: ScheduleWindow?
    private var glide: Glide?

    struct Glide {
        var start: Date
        var seconds: Double
        var from: Steering
        var window: ScheduleWindow
    }

    public init(schedule: Schedule, store: ParameterStore, volumeLimit: Double, logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.schedule = schedule
        self.store = store
        self.volumeLimit = volumeLimit
        self.logger = logger
        self.now = now
    }

    /// One step: enter a new window if the clock moved into one, and advance any glide.
    public func tick() {
        let date = now()
        let window = schedule.window(atMinute: Schedule.minuteOfDay(date))
        if window != current {
            current = window
            guard let window else {
                logger.notice("schedule: no window now; the band plays as steered")
                store.update { s in s.limits = Steering.Limits(); s.limits.volume = volumeLimit }
                glide = nil
                return
            }
            logger.notice("schedule: entering '\(window.name)' with a \(Int(window.crossfade)) s crossfade")
            if let p = window.patch { switchPatch?(p) }
            glide = Glide(start: date, seconds: window.crossfade, from: store.read(), window: window)
            if !window.silent { store.update { $0.playing = true } }
        }
        guard let g = glide else { return }
        let t = g.seconds <= 0 ? 1 : min(1, date.timeIntervalSince(g.start) / g.seconds)
        let w = g.window
        let from = g.from
        let cap = min(volumeLimit, w.silent ? 0 : (w.volume ?? volumeLimit))
        store.update { s in
            func mix(_ a: Double, _ b: Double) -> Double { a + (b - a) * t }
            if let m = w.mood {
                s.mood = Mood(valence: mix(from.mood.valence, m.valence), arousal: mix(from.mood.arousal, m.arousal), name: t >= 1 ? m.name : nil)
                s.modeOverride = nil
            }
            if let d = w.density { s.density = mix(from.density, d) }
            if let tempo = w.tempo { s.tempo = mix(from.tempo, tempo) }
            // From the cap in force (never above the configured limit) to the window's.
            s.limits.volume = mix(min(from.limits.volume, volumeLimit), cap)
            if t >= 1 {
                s.limits.density = w.densityRange ?? 0...1
                s.limits.tempo = w.tempoRange ?? Steering.tempoRange
                s.limits.volume = cap
                s.density = min(max(s.density, s.limits.density.lowerBound), s.limits.density.upperBound)
                s.tempo = min(max(s.tempo, s.limits.tempo.lowerBound), s.limits.tempo.upperBound)
                if w.silent { s.playing = false }
            }
        }
        if t >= 1 { glide = nil }
    }

    public func start() {
        running.store(true, ordering: .releasing)
        Thread.detachNewThread { [self] in
            while running.load(ordering: .acquiring) {
                tick()
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
    }

    public func stop() { running.store(false, ordering: .releasing) }
}
