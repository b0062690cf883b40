import Control
import Engine
import Foundation
import Installation
import Music
import Testing

final class FakeClock: @unchecked Sendable {
    var now: Date
    init(_ d: Date) { now = d }
}

@Suite struct ScheduleTests {
    func config() throws -> InstallationConfig {
        try InstallationConfig(file: "c", text: """
        [schedule.day]
        from = "09:00"
        to = "18:00"
        mood = "euphoric"
        density = 0.8
        tempo = 120
        density_min = 0.5
        density_max = 0.9
        volume = 0.5
        crossfade = 10
        [schedule.night]
        from = "22:00"
        to = "06:00"
        silent = true
        crossfade = 0
        """)
    }

    @Test func windowsWrapPastMidnight() throws {
        let s = Schedule(try config().schedule)
        #expect(s.window(atMinute: 9 * 60)?.name == "day")
        #expect(s.window(atMinute: 23 * 60)?.name == "night")
        #expect(s.window(atMinute: 3 * 60)?.name == "night")
        #expect(s.window(atMinute: 20 * 60) == nil)
    }

    @Test func enteringAWindowGlidesThenHoldsItsBounds() throws {
        let patch = Patch.builtIn
        let store = ParameterStore(patch.initialSteering)   // driving, density 0.6, 112 BPM
        let day = Calendar.current.startOfDay(for: Date()).addingTimeInterval(9 * 3600)
        let clock = FakeClock(day)
        let scheduler = Scheduler(schedule: Schedule(try config().schedule), store: store, submit: { _ = CommandSink.direct(store).submit($0) }, volumeLimit: 0.9,
                                  logger: .init(label: "t"), now: { clock.now })
        scheduler.tick()
        clock.now = day.addingTimeInterval(5)
        scheduler.tick()
        let half = store.read()
        #expect(abs(half.density - 0.7) < 0.01 && abs(half.tempo - 116) < 0.1)
        #expect(abs(half.limits.volume - (0.9 + 0.5) / 2) < 0.01)
        clock.now = day.addingTimeInterval(11)
        scheduler.tick()
        let done = store.read()
        #expect(done.density == 0.8 && done.tempo == 120 && done.mood.name == "euphoric")
        #expect(done.limits.density == 0.5...0.9 && done.effectiveMasterGain == 0.5)
    }

    @Test func quietHoursFadeToSilenceAndStop() throws {
        let store = ParameterStore(Patch.builtIn.initialSteering)
        let night = Calendar.current.startOfDay(for: Date()).addingTimeInterval(23 * 3600)
        let scheduler = Scheduler(schedule: Schedule(try config().schedule), store: store, submit: { _ = CommandSink.direct(store).submit($0) }, volumeLimit: 0.9,
                                  logger: .init(label: "t"), now: { night })
        scheduler.tick()
        #expect(store.read().effectiveMasterGain == 0 && !store.read().playing)
    }
}
