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
    @Option(help: "Patch file to play (default Patches/default.patch; when missing or broken, the built-in default patch plays).") var patch: String?
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
    @Option(help: "Folder /polyphon/patch NAME loads from (default: the patch's folder).") var patchDir: String?
    @Option(help: "Folder /polyphon/cue/load NAME loads from (default: the cue file's folder, else the patch folder).") var cueDir: String?

    func run() throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info   // validate() refused any other
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
        if let patchDir { s.patchFolder = patchDir }
        if let cueDir { s.cueFolder = cueDir }
        // Checked in validate(): every target parses.
        s.feedback += feedback.compactMap(Serve.feedbackTarget)
    }

    /// Every option checked before anything starts (no jackd launched, no port bound): a
    /// mistake stops the start with a message naming the option and what it expects, and a
    /// non-zero exit, rather than a server that runs without what the operator asked for.
    /// `--patch` is the exception on purpose: a missing or broken patch plays the built-in one.
    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level expects one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")); found '\(logLevel)'")
        }
        for (option, value) in [("--port", port), ("--tcp-port", tcpPort), ("--metrics-port", metricsPort)] {
            if let value, !(1...65535).contains(value) {
                throw ValidationError("\(option) expects a port number in 1...65535; found \(value)")
            }
        }
        if let bind, !Serve.isIPv4(bind) {
            throw ValidationError("--bind expects an IPv4 address such as 0.0.0.0 or 127.0.0.1; found '\(bind)'")
        }
        for target in feedback where Serve.feedbackTarget(target) == nil {
            throw ValidationError("--feedback expects HOST:PORT, an IPv4 address and a port in 1...65535 such as 192.168.1.20:9001; found '\(target)'")
        }
        guard lookaheadMs.isFinite, (0...1000).contains(lookaheadMs) else {
            throw ValidationError("--lookahead-ms expects milliseconds in 0...1000; found \(lookaheadMs)")
        }
        if let clientName, clientName.isEmpty || clientName.utf8.count > 63 {
            throw ValidationError("--client-name expects a JACK client name of 1 to 63 bytes; found '\(clientName)'")
        }
        if let jackServer, jackServer.isEmpty {
            throw ValidationError("--jack-server expects a JACK server name; found an empty one")
        }
        var settings = InstallationConfig()
        if let config {
            guard Serve.readable(config) != nil else { throw ValidationError("--config expects a readable config file; cannot read '\(config)'") }
            do { settings = try loadConfig(config) } catch { throw ValidationError("--config: the config file has errors:\n\(error)") }
        }
        if let path = cues ?? settings.cues {
            let option = cues == nil ? "the config's 'cues'" : "--cues"
            guard let text = Serve.readable(path) else { throw ValidationError("\(option) expects a readable cue file; cannot read '\(path)'") }
            let list: CueList
            do { list = try CueList(file: path, text: text) } catch { throw ValidationError("\(option): the cue file has errors:\n\(error)") }
            // Checked against the patch the show will start with, as `polyphon cue check` does.
            // With a state file the saved patch may differ, so the show checks it once loaded.
            if (state ?? settings.stateFile) == nil {
                let patch = (try? loadPatch(self.patch ?? settings.patch)) ?? Patch.builtIn
                do { try list.check(against: patch) } catch {
                    throw ValidationError("\(option): the cue file does not fit patch '\(patch.name)':\n\(error)")
                }
            }
        }
        if let map, Serve.readable(map) == nil {
            throw ValidationError("--map expects a readable mapping file; cannot read '\(map)'")
        }
        for (option, path) in [("--record-cues", recordCues), ("--events", events)] {
            if let path, let problem = Serve.writeProblem(path) { throw ValidationError("\(option) expects a file it can write; \(problem)") }
        }
    }

    /// `HOST:PORT` with an IPv4 host (feedback goes out on the UDP socket, which takes no names).
    static func feedbackTarget(_ text: String) -> (host: String, port: Int)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, isIPv4(String(parts[0])), let port = Int(parts[1]), (1...65535).contains(port) else { return nil }
        return (String(parts[0]), port)
    }

    static func isIPv4(_ text: String) -> Bool { !text.contains("/") && Network(text) != nil }

    /// The file's text, or nil when it is missing, a folder or unreadable.
    static func readable(_ path: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { return nil }
        return try? String(contentsOfFile: path, encoding: .utf8)
    }

    /// Why `path` cannot be created or overwritten, or nil if it can.
    static func writeProblem(_ path: String) -> String? {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { return "'\(path)' is a folder" }
            return FileManager.default.isWritableFile(atPath: path) ? nil : "'\(path)' is not writable"
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            return "the folder '\(folder)' does not exist"
        }
        return FileManager.default.isWritableFile(atPath: folder) ? nil : "the folder '\(folder)' is not writable"
    }
}
