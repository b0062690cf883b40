import ArgumentParser
import Control
import Engine
import Foundation
import Installation
import JackBackend
import Logging
import ShowFiles

/// `polyphon serve`: join (or start) a JACK server, play the patch, listen for OSC, and look
/// after itself for weeks (state file, watchdogs, schedule). Options override the config file.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the performance server (the default command).")

    @Option(help: "Installation config file (see deploy/polyphon.conf); options below override it.") var config: String?
    @Option(help: "Patch file to play (default Patches/default.patch).") var patch: String?
    @Option(help: "OSC port for UDP, and TCP unless --tcp-port is given (default 9000).") var port: Int?
    @Option(help: "OSC port for TCP (size-prefix or SLIP framing, detected per connection).") var tcpPort: Int?
    @Option(help: "Address to listen on (default 0.0.0.0; 127.0.0.1 for this machine only).") var bind: String?
    @Option(help: "JACK client name (default polyphon).") var clientName: String?
    @Option(help: "JACK server name (default: $JACK_DEFAULT_SERVER or the default server).") var jackServer: String?
    @Flag(help: "Do not connect the outputs to the system playback ports.") var noAutoConnect = false
    @Flag(help: "Fail instead of starting a JACK server when none is running.") var noStartServer = false
    @Flag(help: "Add post-fader stem ports per agent (polyphon:NAME_L/_R) for a front-of-house mixer.") var stems = false
    @Flag(help: "Add a JACK MIDI output per agent (polyphon:NAME_midi) carrying its notes, for external synths or a DAW.") var midiOut = false
    @Option(help: "Scheduling lookahead in ms beyond one period.") var lookaheadMs: Double = 10
    @Option(help: "Seed for every random choice (default: the patch's).") var seed: UInt64?
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel: String = "info"
    @Option(help: "Cue file to load and start playing (checked first; errors stop the start).") var cues: String?
    @Option(help: "A controller that always gets feedback, as HOST:PORT (repeatable).") var feedback: [String] = []
    @Option(help: "Mapping file binding a venue's OSC addresses to Polyphon's (learned bindings are added to it).") var map: String?
    @Option(help: "Record every applied control message into this cue file.") var recordCues: String?
    @Option(help: "Write the note event stream (CSV) to this file as it is scheduled.") var events: String?
    @Option(help: "State file: saved every second on change, restored at start.") var state: String?
    @Option(help: "Serve Prometheus metrics on 127.0.0.1:PORT.") var metricsPort: Int?

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

        var settings = try config.map { try loadConfig($0) } ?? InstallationConfig()
        apply(overridesTo: &settings)
        let show = try Show(settings: settings, logger: logger, lookaheadMs: lookaheadMs, startServer: !noStartServer, stems: stems, midiOut: midiOut,
                            cues: cues, map: map, recordCues: recordCues, events: events, seedOverride: seed)
        try show.start()

        var signal: Int32 = 0
        while true {
            sigwait(&signals, &signal)
            guard signal == SIGHUP else { break }
            logger.notice("SIGHUP: reloading \(config ?? "(no config file)") and the patch")
            if let config {
                do {
                    var fresh = try loadConfig(config)
                    apply(overridesTo: &fresh)
                    show.reload(settings: fresh)
                } catch {
                    logger.error("SIGHUP: \(config) has errors, keeping the running configuration:\n\(error)")
                    continue
                }
            } else {
                show.reload(settings: settings)
            }
        }
        logger.info("shutting down (signal \(signal))")
        // However stuck a peer or a driver is, the process is gone within 2 s of SIGTERM.
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 1.8)
            FileHandle.standardError.write(Data("polyphon: shutdown took longer than 1.8 s; exiting now\n".utf8))
            _exit(0)
        }
        show.stop()
    }

    /// Command-line options win over the config file.
    func apply(overridesTo s: inout InstallationConfig) {
        if let patch { s.patch = patch }
        if let port { s.udpPort = port }
        if let tcpPort { s.tcpPort = tcpPort }
        if let bind { s.bind = bind }
        if let clientName { s.clientName = clientName }
        if let jackServer { s.jackServer = jackServer }
        if noAutoConnect { s.autoConnect = false }
        if let state { s.stateFile = state }
        if let metricsPort { s.metricsPort = metricsPort }
        for target in feedback {
            let parts = target.split(separator: ":")
            if parts.count == 2, let p = Int(parts[1]) { s.feedback.append((String(parts[0]), p)) }
        }
    }
}
