import ArgumentParser
import Control
import Engine
import Foundation
@preconcurrency import Glibc
import JackBackend
import Logging

/// `polyphon serve`: join (or start) a JACK server, play the patch, listen for OSC.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the performance server (the default command).")

    @Option(help: "Patch file to play.") var patch: String = "Patches/default.patch"
    @Option(help: "OSC port (UDP and TCP).") var port: Int = 9000
    @Option(help: "JACK client name.") var clientName: String = "polyphon"
    @Option(help: "JACK server name (default: $JACK_DEFAULT_SERVER or the default server).") var jackServer: String?
    @Flag(help: "Do not connect the outputs to the system playback ports.") var noAutoConnect = false
    @Flag(help: "Fail instead of starting a JACK server when none is running.") var noStartServer = false
    @Option(help: "Scheduling lookahead in ms beyond one period.") var lookaheadMs: Double = 10
    @Option(help: "Seed for every random choice (default: the patch's).") var seed: UInt64?
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel: String = "info"
    @Option(help: "Cue file to load and start playing (checked first; errors stop the start).") var cues: String?

    func run() throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardOutput(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "polyphon")
        // Signals are taken synchronously on this thread; every thread started later inherits the mask.
        var signals = sigset_t()
        sigemptyset(&signals)
        for s in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&signals, s) }
        pthread_sigmask(SIG_BLOCK, &signals, nil)

        var p = try loadPatch(patch)
        if let seed { p.seed = seed }
        logger.info("patch '\(p.name)' from \(patch): \(p.agents.map { "\($0.spec.name) (\($0.spec.role.rawValue))" }.joined(separator: ", "))")

        let serverName = jackServer ?? ProcessInfo.processInfo.environment["JACK_DEFAULT_SERVER"]
        let launcher = JackServerLauncher(serverName: serverName, logger: logger)
        var format = JackOutput.probe(clientName: clientName, serverName: serverName)
        if let f = format {
            logger.info("joining the running JACK server\(serverName.map { " '\($0)'" } ?? "") (\(f.sampleRate) Hz, period \(f.period))")
        } else {
            guard !noStartServer else { throw ValidationError("no JACK server is running (and --no-start-server was given)") }
            guard launcher.launch(clientName: clientName) else { throw ValidationError("could not start a JACK server") }
            format = JackOutput.probe(clientName: clientName, serverName: serverName)
        }
        guard let format else { throw ValidationError("the JACK server went away during start-up") }

        let store = ParameterStore(p.initialSteering)
        let renderer = OfflineRender.makeRenderer(for: p, sampleRate: Double(format.sampleRate))
        let lookahead = Int64(format.period) + Int64(lookaheadMs / 1000 * Double(format.sampleRate))
        let conductor = Conductor(patch: p, store: store, renderer: renderer, lookahead: lookahead)
        let output = JackOutput(renderer: renderer, clientName: clientName, serverName: serverName,
                                autoConnect: !noAutoConnect, logger: logger)
        let started = Date()
        let deck = DeckSlot()
        let router = CommandRouter(store: store, agentNames: p.agents.map(\.spec.name), deck: deck) {
            var f = LiveFigures()
            let jack = output.figures
            f.load = jack.load
            f.xruns = jack.xruns
            f.audioRunning = jack.running
            f.voices = renderer.activeVoices
            f.uptime = Date().timeIntervalSince(started)
            f.conductor = conductor.snapshot
            return f
        }
        let player = CuePlayer(router: router, sampleRate: Double(format.sampleRate), logger: logger)
        deck.player = player
        conductor.cueSource = player
        if let cues {
            do { try player.load(path: cues) } catch { throw ValidationError(error.reason) }
        }
        let osc = OSCServer(port: port, router: router, logger: logger)
        do {
            try osc.start()
        } catch {
            launcher.stop()
            throw ValidationError("\(error)")
        }
        conductor.start()
        do {
            try output.start()
        } catch {
            osc.stop()
            launcher.stop()
            throw ValidationError("\(error)")
        }
        logger.info("playing at \(Int(store.read().tempo)) BPM in \(store.read().key), mood \(store.read().mood); lookahead \(lookahead) frames")

        var signal: Int32 = 0
        while true {
            sigwait(&signals, &signal)
            if signal == SIGHUP {
                // Check the patch so a broken edit is reported; live patch switching is not built yet.
                do {
                    _ = try loadPatch(patch)
                    logger.notice("SIGHUP: \(patch) is valid; switching patches live is not implemented yet, keep playing the loaded one")
                } catch {
                    logger.error("SIGHUP: \(patch) has errors, keeping the loaded patch:\n\(error)")
                }
                continue
            }
            break
        }
        logger.info("shutting down (signal \(signal))")
        osc.stop()
        conductor.stop()
        output.stop()
        launcher.stop()
    }
}

/// The router needs the deck and the deck needs the router: this slot closes the loop once both exist.
final class DeckSlot: CueDeck, @unchecked Sendable {
    var player: CuePlayer?

    func load(path: String) throws(Rejection) { try player?.load(path: path) }
    func go() { player?.go() }
    func goto(label: String) throws(Rejection) { try player?.goto(label: label) }
    func stop() { player?.stop() }
    func pause() { player?.pause() }
    var position: (current: String, next: String) { player?.position ?? ("", "") }
}
