import ArgumentParser
import Engine
import Foundation
import Installation
import ShowFiles

/// `polyphon-bench soak`: renders hours of music offline, as fast as the machine goes, through the
/// config's day schedule (a simulated clock), and reports what an installation cares about:
/// memory at start and end, NaN, clipped samples and silent gaps. A benchmark, not a test.
struct Soak: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Accelerated offline soak through a day's schedule (a benchmark).")

    @Option(help: "Hours of music to render.") var hours: Double = 24
    @Option(help: "Installation config whose schedule to follow.") var config: String = "deploy/polyphon.conf"
    @Option(help: "Patch (default: the config's, else Patches/default.patch).") var patch: String?
    @Option(help: "Simulated time of day to start at, HH:MM.") var start: String = "06:00"

    func run() throws {
        let settings = try loadConfig(config)
        let p = try loadPatch(patch ?? (FileManager.default.fileExists(atPath: settings.patch) ? settings.patch : "Patches/default.patch"))
        let rate = 48000.0
        let store = ParameterStore(p.initialSteering)
        store.update { $0.limits.volume = settings.volumeLimit }
        let stage = Stage(patch: p, store: store, sampleRate: rate, live: false)
        let parts = start.split(separator: ":").compactMap { Double($0) }
        guard parts.count == 2 else { throw ValidationError("--start expects HH:MM") }
        let midnight = Calendar.current.startOfDay(for: Date())
        let origin = midnight.addingTimeInterval(parts[0] * 3600 + parts[1] * 60)
        let simulated = SimulatedClock(origin)
        let scheduler = Scheduler(schedule: Schedule(settings.schedule), store: store, submit: { stage.submit($0) }, volumeLimit: settings.volumeLimit,
                                  logger: .init(label: "soak"), now: { simulated.now })
        let block = 256
        let left = UnsafeMutablePointer<Float>.allocate(capacity: block)
        let right = UnsafeMutablePointer<Float>.allocate(capacity: block)
        defer { left.deallocate(); right.deallocate() }
        let total = Int64(hours * 3600 * rate)
        let ceiling = Float(pow(10, p.ceilingDB / 20)) + 1e-5
        var nan = 0, clipped = 0, gaps = 0, silentRun = 0.0, longestGap = 0.0
        var gapTimes: [String] = []
        let rssStart = Soak.rss()
        var rssAfterHour = 0.0
        let cpu0 = clock()
        var frame: Int64 = 0
        var nextTick: Int64 = 0
        while frame < total {
            if frame >= nextTick {
                simulated.now = origin.addingTimeInterval(Double(frame) / rate)
                scheduler.tick()
                nextTick += Int64(rate / 10)
            }
            stage.advance(to: frame + Int64(block) + 512)
            stage.render(frames: block, left: left, right: right)
            var peak: Float = 0
            for i in 0..<block {
                let l = left[i], r = right[i]
                if !l.isFinite || !r.isFinite { nan += 1; continue }
                let a = max(abs(l), abs(r))
                if a > ceiling { clipped += 1 }
                peak = max(peak, a)
            }
            // A gap is 2 s or more of silence the band was not asked for.
            if peak < 1e-4 && !Caretaker.intendedSilence(store.read()) {
                silentRun += Double(block) / rate
            } else {
                if silentRun >= 2 {
                    gaps += 1
                    longestGap = max(longestGap, silentRun)
                    // Time of day by arithmetic: a date formatter would load ICU data and skew the RSS figures.
                    let t = Int(parts[0] * 3600 + parts[1] * 60 + Double(frame) / rate - silentRun) % 86400
                    gapTimes.append(String(format: "%02d:%02d:%02d (%.1f s)", t / 3600, t / 60 % 60, t % 60, silentRun))
                }
                silentRun = 0
            }
            frame += Int64(block)
            if frame == Int64(3600 * rate) / Int64(block) * Int64(block) { rssAfterHour = Soak.rss() }
        }
        let cpu = Double(clock() - cpu0) / Double(CLOCKS_PER_SEC)
        let rssEnd = Soak.rss()
        print(String(format: "soak: %.1f h of '%@' through %d schedule windows in %.0f s CPU (%.0fx real time)",
                     hours, p.name, settings.schedule.count, cpu, hours * 3600 / cpu))
        print(String(format: "soak: peak RSS %.1f MB at start, %.1f MB after 1 h, %.1f MB at the end", rssStart, rssAfterHour, rssEnd))
        print("soak: NaN samples \(nan), clipped samples \(clipped), silent gaps (>= 2 s, not asked for) \(gaps)"
              + (gaps > 0 ? String(format: ", longest %.1f s; at %@", longestGap, gapTimes.prefix(10).joined(separator: ", ")) : ""))
    }

    /// Peak resident set size of this process in MB (VmHWM).
    static func rss() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }
}

/// The soak's simulated wall clock.
final class SimulatedClock: @unchecked Sendable {
    var now: Date
    init(_ start: Date) { now = start }
}
