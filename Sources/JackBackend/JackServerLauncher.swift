import Foundation
import Logging

/// Starts a JACK server for Polyphon when none is running: the ALSA default device when one
/// works, else the dummy driver (no sound card: silent, but the clock and ports are real).
///
/// libjack's own autostart is not used: it tries ALSA only, takes seconds to fail without a
/// card, and never says what it did.
public final class JackServerLauncher: @unchecked Sendable {
    public private(set) var process: Process?
    public private(set) var driver = ""
    let serverName: String?
    let logger: Logger

    public init(serverName: String?, logger: Logger) {
        self.serverName = serverName
        self.logger = logger
    }

    /// True if this machine lists a sound card.
    static var hasSoundCard: Bool {
        guard let cards = try? String(contentsOfFile: "/proc/asound/cards", encoding: .utf8) else { return false }
        return !cards.contains("no soundcards") && !cards.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }

    /// Starts jackd and waits until a client can connect. Returns false if every driver failed.
    public func launch(clientName: String) -> Bool {
        var attempts: [(driver: String, arguments: [String])] = []
        if JackServerLauncher.hasSoundCard {
            attempts.append(("alsa (default device)", ["-d", "alsa", "-d", "default", "-r", "48000", "-p", "256"]))
        }
        attempts.append(("dummy (no sound card)", ["-d", "dummy", "-r", "48000", "-p", "256"]))
        for attempt in attempts {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            var arguments = ["jackd"]
            if let serverName { arguments += ["-n", serverName] }
            arguments += ["--port-max", "128"]
            p.arguments = arguments + attempt.arguments
            p.standardInput = FileHandle.nullDevice
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            logger.info("no JACK server running; starting jackd with the \(attempt.driver) driver")
            do {
                try p.run()
            } catch {
                logger.error("cannot run jackd: \(error). Install it with: apt-get install jackd2")
                return false
            }
            // Wait up to 5 s for the server to accept clients.
            for _ in 0..<50 {
                if !p.isRunning { break }
                if JackOutput.probe(clientName: clientName, serverName: serverName) != nil {
                    process = p
                    driver = attempt.driver
                    logger.info("started jackd (pid \(p.processIdentifier)) with the \(attempt.driver) driver")
                    return true
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
            logger.warning("jackd with the \(attempt.driver) driver did not come up")
            if p.isRunning { p.terminate(); p.waitUntilExit() }
        }
        return false
    }

    /// Stops the server this launcher started, if any.
    public func stop() {
        guard let p = process, p.isRunning else { return }
        p.terminate()
        p.waitUntilExit()
        logger.info("stopped the jackd Polyphon started")
    }
}
