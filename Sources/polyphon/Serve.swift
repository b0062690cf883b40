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
    @Option(help: "OSC port for UDP (and TCP unless --tcp-port is given).") var port: Int = 9000
    @Option(help: "OSC port for TCP (size-prefix or SLIP framing, detected per connection).") var tcpPort: Int?
    @Option(help: "Address to listen on (0.0.0.0 for every interface, 127.0.0.1 for this machine only).") var bind: String = "0.0.0.0"
    @Option(help: "A controller that always gets feedback, as HOST:PORT (repeatable).") var feedback: [String] = []
    @Option(help: "Mapping file binding a venue's OSC addresses to Polyphon's (learned bindings are added to it).") var map: String?
    @Option(help: "Record every applied control message into this cue file.") var recordCues: String?
    @Option(help: "Write the note event stream (CSV) to this file as it is scheduled.") var events: String?
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
        let status = StatusSlot()
        let rate = Double(format.sampleRate)
        let router = CommandRouter(store: store, agentNames: p.agents.map(\.spec.name), deck: deck) {
            var f = LiveFigures()
            let jack = output.figures
            f.load = jack.load
            f.xruns = jack.xruns
            f.audioRunning = jack.running
            f.voices = renderer.activeVoices
            f.uptime = Date().timeIntervalSince(started)
            f.conductor = conductor.snapshot
            f.lateChanges = conductor.lateChanges
            f.clock = renderer.framesRendered
            f.period = jack.period
            f.lookahead = conductor.lookahead.load(ordering: .relaxed) + Int64(renderer.outputLatency)
            f.lastTimedFrame = conductor.lastTimedFrame
            f.jackFrameOffset = jack.frameOffset
            // From a message's arrival to the first output sample it shapes: scheduling plus the
            // limiter's look-ahead delay.
            let latency = conductor.latency, output = renderer.outputLatency
            f.latencyMs = Double(latency.last + output) / rate * 1000
            f.worstLatencyMs = Double(latency.worst + output) / rate * 1000
            if let counts = status.osc?.dispatcher.counts {
                f.oscReceived = counts.received
                f.oscRejected = counts.rejected
                f.oscMalformed = counts.malformed
            }
            return f
        }
        let player = CuePlayer(router: router, sampleRate: Double(format.sampleRate), logger: logger)
        deck.player = player
        conductor.cueSource = player
        if let cues {
            do { try player.load(path: cues) } catch { throw ValidationError(error.reason) }
        }
        var mapping: Mapping?
        if let map {
            let text = (try? String(contentsOfFile: map, encoding: .utf8)) ?? ""
            do { mapping = try Mapping(file: map, text: text, router: router) } catch { throw ValidationError(error.description) }
            logger.info("mapping file \(map): \(mapping!.all.count) bindings")
        }
        var recorder: CueRecorder?
        if let recordCues {
            recorder = try CueRecorder(path: recordCues, sampleRate: Double(format.sampleRate), patch: patch, seed: p.seed)
            recorder?.beatAt = { conductor.beat(atFrame: $0) }
            logger.info("recording control messages to \(recordCues)")
        }
        if let events {
            let log = try LiveEventLog(path: events, agentNames: p.agents.map(\.spec.name), sampleRate: Double(format.sampleRate))
            conductor.onNote = { log.append($0) }
        }
        var options = ShowControl.Options()
        options.bind = bind
        options.udpPort = port
        options.tcpPort = tcpPort ?? port
        for target in feedback {
            let parts = target.split(separator: ":")
            guard parts.count == 2, let port = Int(parts[1]) else { throw ValidationError("--feedback expects HOST:PORT, found '\(target)'") }
            options.feedbackTargets.append((String(parts[0]), port))
        }
        let sink = ChangeSink(schedule: { conductor.schedule($0) }, clock: { renderer.framesRendered },
                              frameForTimetag: { output.frame(forTimetag: $0) }, deferQueries: { output.isRunning })
        let osc: ShowControl
        do {
            osc = try ShowControl(options: options, router: router, sink: sink, mapping: mapping, recorder: recorder, logger: logger)
        } catch {
            launcher.stop()
            throw ValidationError("\(error)")
        }
        status.osc = osc
        osc.start()
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
        recorder?.close()
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

/// Lets the status closure, made before the OSC service, read its counters once it exists.
final class StatusSlot: @unchecked Sendable {
    var osc: ShowControl?
}
