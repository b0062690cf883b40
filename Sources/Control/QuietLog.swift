import Realtime
import Foundation
import Logging
import Synchronization

/// A log that says the first few things each minute and then only how many it kept quiet
/// about: a flooding or broken client must not fill an installation's disk with log lines.
public final class QuietLog: Sendable {
    let logger: Logger
    let perMinute: Int
    /// What the summary line counts, e.g. "refused or malformed OSC messages".
    let about: String
    private let window = Guarded((start: 0.0, said: 0, quiet: 0))

    public init(logger: Logger, perMinute: Int = 20, about: String = "refused or malformed OSC messages") {
        self.logger = logger
        self.perMinute = perMinute
        self.about = about
    }

    public func notice(_ text: @autoclosure () -> String) {
        let now = ProcessInfo.processInfo.systemUptime
        let (say, suppressed) = window.withLock { w -> (Bool, Int) in
            var suppressed = 0
            if now - w.start >= 60 {
                suppressed = w.quiet
                w = (now, 0, 0)
            }
            if w.said < perMinute {
                w.said += 1
                return (true, suppressed)
            }
            w.quiet += 1
            return (false, suppressed)
        }
        if suppressed > 0 { logger.notice("\(suppressed) more \(about) in the last minute were not logged") }
        if say { logger.notice("\(text())") }
    }
}
