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
    /// Hands the window's settings to the conductor.
    let submit: @Sendable (TimedCommands) -> Void
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

    public init(schedule: Schedule, store: ParameterStore, submit: @escaping @Sendable (TimedCommands) -> Void, volumeLimit: Double, logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.schedule = schedule
        self.store = store
        self.submit = submit
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
                send([set("/polyphon/limit/volume", .number(volumeLimit)), set("/polyphon/limit/density", .pair(0, 1)),
                      set("/polyphon/limit/tempo", .pair(Steering.tempoRange.lowerBound, Steering.tempoRange.upperBound))])
                glide = nil
                return
            }
            logger.notice("schedule: entering '\(window.name)' with a \(Int(window.crossfade)) s crossfade")
            if let p = window.patch { switchPatch?(p) }
            glide = Glide(start: date, seconds: window.crossfade, from: store.read(), window: window)
            if !window.silent { send([set("/polyphon/transport/play", .trigger)]) }
        }
        guard let g = glide else { return }
        let t = g.seconds <= 0 ? 1 : min(1, date.timeIntervalSince(g.start) / g.seconds)
        let w = g.window
        let from = g.from
        let cap = min(volumeLimit, w.silent ? 0 : (w.volume ?? volumeLimit))
        func mix(_ a: Double, _ b: Double) -> Double { a + (b - a) * t }
        var commands: [Command?] = []
        if t >= 1 {
            // The window's bounds first, so the values below land inside them.
            let d = w.densityRange ?? 0...1, r = w.tempoRange ?? Steering.tempoRange
            commands += [set("/polyphon/limit/density", .pair(d.lowerBound, d.upperBound)),
                         set("/polyphon/limit/tempo", .pair(r.lowerBound, r.upperBound))]
        }
        if let m = w.mood {
            commands.append(set("/polyphon/mood", .mood(Mood(valence: mix(from.mood.valence, m.valence), arousal: mix(from.mood.arousal, m.arousal),
                                                             name: t >= 1 ? m.name : nil))))
        }
        if let d = w.density { commands.append(set("/polyphon/density", .number(mix(from.density, d)))) }
        if let tempo = w.tempo { commands.append(set("/polyphon/tempo", .number(mix(from.tempo, tempo)))) }
        // From the cap in force (never above the configured limit) to the window's.
        commands.append(set("/polyphon/limit/volume", .number(t >= 1 ? cap : mix(min(from.limits.volume, volumeLimit), cap))))
        if t >= 1 && w.silent { commands.append(set("/polyphon/transport/stop", .trigger)) }
        send(commands)
        if t >= 1 { glide = nil }
    }

    private func set(_ address: String, _ value: ControlValue) -> Command? { Command(address, value) }

    private func send(_ commands: [Command?]) {
        let all = commands.compactMap { $0 }
        if !all.isEmpty { submit(TimedCommands(all)) }
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
