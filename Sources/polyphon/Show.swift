import ArgumentParser
import Control
import Engine
import Foundation
import Installation
import JackBackend
import Logging
import Synchronization

/// Everything `serve` runs, wired in one direction: the stage (with its one conductor) on
/// JACK; the router, the cue deck and the OSC side feeding the conductor typed commands and
/// answering from its snapshots; the state file, the caretaker, the schedule and the metrics.
///
/// Threads (see docs/architecture.md): JACK's process callback renders; the conductor thread
/// schedules and applies commands; OSC listener threads parse and validate; the replies thread
/// answers queries; the feedback, caretaker, schedule, state and metrics threads each read
/// snapshots and submit commands. No thread holds a lock while it waits for another.
final class Show: @unchecked Sendable {
    let logger: Logger
    let store: ParameterStore
    let stage: Stage
    let output: JackOutput
    let launcher: JackServerLauncher
    let router: CommandRouter
    let cues: CuePlayer
    let osc: ShowControl
    let caretaker: Caretaker
    let keeper: StateKeeper?
    var scheduler: Scheduler?
    var metrics: MetricsEndpoint?
    let recorder: CueRecorder?
    let noteLog: LiveEventLog?
    let started = Date()
    let changer: PatchChanger
    private var settings: InstallationConfig

    init(settings: InstallationConfig, logger: Logger, lookaheadMs: Double, startServer: Bool, stems: Bool = false, midiOut: Bool = false, cues cueFile: String?, map: String?,
         recordCues: String?, events: String?, seedOverride: UInt64?) throws {
        self.settings = settings
        self.logger = logger

        // State first: it may name the patch to come back to.
        var saved: SavedState?
        var stateFile: StateFile?
        if let path = settings.stateFile {
            let file = StateFile(path: path)
            stateFile = file
            do { try file.checkWritable() } catch { logger.error("\(error)") }
            do { saved = try file.load() } catch { logger.error("\(error)") }
            if let s = saved {
                if let was = s.configured, was != settings.patch {
                    // The artist edited the config since: it wins over what the state remembers.
                    logger.notice("the config now names patch \(settings.patch) (it named \(was) when the state was saved): starting from the config, not the saved state in \(path)")
                    saved = nil
                } else {
                    logger.notice("restoring the state saved \(s.savedAt) from \(path): patch \(s.patch), settings and cue position from the state file; bounds, access and schedule from the config")
                }
            }
        }

        // The patch: the saved one, else the configured one, else the built-in default.
        var patch: Patch?
        var chosen = settings.patch
        var chosenText = ""
        for candidate in [saved?.patch, settings.patch].compactMap({ $0 }) {
            do {
                let text = try Show.read(candidate)
                patch = try Patch(file: candidate, text: text)
                chosen = candidate
                chosenText = text
                break
            } catch {
                logger.error("patch \(candidate): \(error)")
            }
        }
        var p: Patch
        if let patch {
            p = patch
        } else {
            logger.error("no usable patch: playing the \(Patch.builtInName) rather than staying silent")
            p = Patch.builtIn
            chosen = Patch.builtInName
            chosenText = Patch.builtInText
        }
        if let seed = seedOverride ?? settings.seed ?? saved?.seed { p.seed = seed }
        logger.info("patch '\(p.name)' from \(chosen): \(p.agents.map { "\($0.spec.name) (\($0.spec.role.rawValue))" }.joined(separator: ", "))")

        // JACK: join, or start a server.
        let serverName = settings.jackServer ?? ProcessInfo.processInfo.environment["JACK_DEFAULT_SERVER"]
        launcher = JackServerLauncher(serverName: serverName, logger: logger)
        var format = JackOutput.probe(clientName: settings.clientName, serverName: serverName)
        if let f = format {
            logger.info("joining the running JACK server\(serverName.map { " '\($0)'" } ?? "") (\(f.sampleRate) Hz, period \(f.period))")
        } else {
            guard startServer else { throw ValidationError("no JACK server is running (and --no-start-server was given)") }
            guard launcher.launch(clientName: settings.clientName) else { throw ValidationError("could not start a JACK server") }
            format = JackOutput.probe(clientName: settings.clientName, serverName: serverName)
        }
        guard let format else { throw ValidationError("the JACK server went away during start-up") }
        let rate = Double(format.sampleRate)

        // The steering the conductor starts from: the patch's, the saved state's, the config's cap.
        var initial = p.initialSteering
        saved?.restore(into: &initial)
        initial.limits.volume = settings.volumeLimit
        store = ParameterStore(initial)
        // Stems: JACK periods go up to 8192 frames; the ports carry the agents of the patch
        // loaded at start (after a live switch, port N carries the new patch's Nth agent).
        stage = Stage(patch: p, store: store, sampleRate: rate, live: true, stemFrames: stems ? 8192 : 0)
        for problem in stage.renderer.instrumentProblems { logger.error("silent part in patch '\(p.name)': \(problem)") }
        output = JackOutput(stage: stage, clientName: settings.clientName, serverName: serverName,
                            autoConnect: settings.autoConnect, logger: logger, stemNames: stems ? p.agents.map(\.spec.name) : [],
                            midiOutputs: midiOut ? Show.midiOutputs(for: p) : [])

        // The cue deck and the router (which validates against the patch playing).
        router = CommandRouter(store: store, agentNames: p.agents.map(\.spec.name))
        cues = CuePlayer(router: router, sampleRate: rate, folder: ShowFolder(kind: "cue", roots: settings.cueFolders), logger: logger)
        if let saved, let file = saved.cueFile, let index = saved.cueIndex {
            do { try cues.resume(path: file, at: index) } catch { logger.error("cannot resume cue file \(file): \(error.reason)") }
        } else if let file = cueFile ?? settings.cues {
            do { try cues.load(path: file) } catch { throw ValidationError(error.reason) }
        }
        var mapping: Mapping?
        if let map {
            guard let text = try? String(contentsOfFile: map, encoding: .utf8) else {
                launcher.stop()
                throw ValidationError("--map expects a readable mapping file; cannot read '\(map)'")
            }
            do { mapping = try Mapping(file: map, text: text, router: router) } catch { launcher.stop(); throw ValidationError(error.description) }
            logger.info("mapping file \(map): \(mapping?.all.count ?? 0) bindings")
        }
        recorder = try recordCues.map { try CueRecorder(path: $0, sampleRate: rate, patch: chosen, seed: p.seed) }
        let conductor = stage.conductor
        if let recorder {
            conductor.reportsLandings.store(true, ordering: .relaxed)
            recorder.start(landings: { conductor.takeLandings() })
        }
        let noteLog = try events.map { try LiveEventLog(path: $0, agentNames: p.agents.map(\.spec.name), sampleRate: rate) }
        self.noteLog = noteLog
        conductor.lookahead.store(Int64(format.period) + Int64(lookaheadMs / 1000 * rate), ordering: .relaxed)
        conductor.cueSource = cues.playback
        if let noteLog { conductor.onNote = { noteLog.append($0) } }

        // OSC: validated commands go to the conductor; replies come from its snapshots.
        var options = ShowControl.Options()
        options.bind = settings.bind
        options.udpPort = settings.udpPort
        options.tcpPort = settings.tcpPort ?? settings.udpPort
        options.feedbackTargets = settings.feedback
        let stage = self.stage, output = self.output, started = self.started, cues = self.cues
        let sink = CommandSink.conductor(conductor, clock: { stage.framesRendered }, frameForTimetag: { output.frame(forTimetag: $0) })
        let figures: @Sendable () -> LiveFigures = {
            var f = LiveFigures()
            let jack = output.figures
            let playing = conductor.performance
            f.load = jack.load
            f.xruns = jack.xruns
            f.audioRunning = jack.running
            f.voices = playing.renderer.activeVoices
            f.uptime = Date().timeIntervalSince(started)
            f.conductor = conductor.snapshot
            f.lateChanges = conductor.lateChanges
            // From a message's arrival to the first output sample it shapes: scheduling plus the
            // limiter's look-ahead delay.
            let latency = conductor.latency, out = playing.renderer.outputLatency
            f.latencyMs = Double(latency.last + out) / rate * 1000
            f.worstLatencyMs = Double(latency.worst + out) / rate * 1000
            f.clock = stage.framesRendered
            f.period = jack.period
            f.lookahead = conductor.lookahead.load(ordering: .relaxed) + Int64(out)
            f.lastTimedFrame = conductor.lastTimedFrame
            f.jackFrameOffset = jack.frameOffset
            f.patch = playing.patch.name
            (f.cue, f.nextCue) = cues.position
            return f
        }
        let store = self.store, router = self.router
        let keeper = stateFile.map { StateKeeper(file: $0, store: store, cues: cues, patch: chosen, seed: p.seed, logger: logger) }
        keeper?.configured = settings.patch
        keeper?.restarts = (saved?.restarts ?? 0) + 1
        self.keeper = keeper
        let changer = PatchChanger(stage: stage, router: router, keeper: keeper, folder: ShowFolder(kind: "patch", roots: settings.patchFolders),
                                   playing: (chosen, chosenText), logger: logger)
        self.changer = changer
        do {
            osc = try ShowControl(options: options, router: router, sink: sink, deck: cues,
                                  patchLoader: { name throws(Rejection) in try changer.load(named: name) }, figures: figures,
                                  mapping: mapping, recorder: recorder, logger: logger)
        } catch {
            launcher.stop()
            throw ValidationError("\(error)")
        }
        osc.dispatcher.access = Access(rules: settings.access, logger: logger)
        logger.notice("\(osc.dispatcher.access?.summary ?? "")")

        caretaker = Caretaker(store: store, submit: { conductor.submit($0) }, clock: { stage.framesRendered },
                              peak: { conductor.performance.renderer.outputPeak }, silenceLimit: settings.silenceSeconds, logger: logger)
    }

    static func read(_ path: String) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("file not found") }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ValidationError("cannot read it") }
        return text
    }

    func start() throws {
        stage.start()
        // Everything a controller may look at is up before OSC answers.
        keeper?.start()
        caretaker.start()
        startSchedule()
        startMetrics()
        osc.start()
        do {
            try output.start()
        } catch {
            stop()
            throw ValidationError("\(error)")
        }
        let s = store.read()
        logger.info("playing at \(Int(s.tempo)) BPM in \(s.key), mood \(s.mood); lookahead \(stage.conductor.lookahead.load(ordering: .relaxed)) frames")
    }

    func startSchedule() {
        scheduler?.stop()
        scheduler = nil
        guard !settings.schedule.isEmpty else { return }
        let conductor = stage.conductor
        let s = Scheduler(schedule: Schedule(settings.schedule), store: store, submit: { conductor.submit($0) },
                          volumeLimit: settings.volumeLimit, logger: logger)
        s.switchPatch = { [weak self] path in
            do { try self?.switchPatch(to: path) } catch { self?.logger.error("schedule: patch \(path): \(error)") }
        }
        s.start()
        scheduler = s
        logger.info("schedule: \(settings.schedule.count) windows")
    }

    func startMetrics() {
        metrics?.stop()
        metrics = nil
        guard let port = settings.metricsPort else { return }
        do {
            let m = try MetricsEndpoint(port: port) { [weak self] in self?.samples() ?? [] }
            m.start()
            metrics = m
            logger.info("metrics on http://127.0.0.1:\(port)/metrics")
        } catch {
            logger.error("\(error)")
        }
    }

    func samples() -> [MetricsEndpoint.Sample] {
        let jack = output.figures
        let counts = osc.dispatcher.counts
        let access = osc.dispatcher.access
        let renderer = stage.renderer
        return [
            .init("polyphon_up", "gauge", 1, "1 while the server runs"),
            .init("polyphon_audio_running", "gauge", jack.running ? 1 : 0, "1 while JACK runs the engine"),
            .init("polyphon_xruns_total", "counter", Double(jack.xruns), "JACK xruns seen by Polyphon"),
            .init("polyphon_callback_load", "gauge", jack.load, "process callback time / period, averaged"),
            .init("polyphon_voices", "gauge", Double(renderer.activeVoices), "voices sounding"),
            .init("polyphon_silent_instruments", "gauge", Double(renderer.instrumentFailures), "parts of the playing patch whose instrument (a SoundFont) failed to load"),
            .init("polyphon_osc_received_total", "counter", Double(counts.received), "OSC packets accepted for processing"),
            .init("polyphon_osc_dropped_total", "counter", Double((access?.denied ?? 0) + (access?.rateLimited ?? 0)), "OSC packets dropped (not allowed, over the rate limit)"),
            .init("polyphon_osc_rejected_total", "counter", Double(counts.rejected), "OSC messages refused with /polyphon/error"),
            .init("polyphon_osc_malformed_total", "counter", Double(counts.malformed), "packets that were not valid OSC"),
            .init("polyphon_uptime_seconds", "gauge", Date().timeIntervalSince(started), "seconds since start"),
            .init("polyphon_restarts_total", "counter", Double(keeper?.restarts ?? 1), "starts recorded in the state file"),
            .init("polyphon_jack_reconnects_total", "counter", Double(jack.reconnects), "JACK reconnections after a server loss"),
            .init("polyphon_silence_rearms_total", "counter", Double(caretaker.rearms), "times the silence watchdog reset the voices"),
            .init("polyphon_patch_switches_total", "counter", Double(stage.switches), "live patch changes"),
        ]
    }

    func switchPatch(to path: String) throws { try changer.switchPatch(to: path) }

    /// SIGHUP: the new settings and the patch file, each only if valid.
    func reload(settings fresh: InstallationConfig) {
        if fresh.bind != settings.bind || fresh.udpPort != settings.udpPort || fresh.tcpPort != settings.tcpPort {
            logger.warning("SIGHUP: listening address and ports change only on restart")
        }
        let patchFile = fresh.patch
        let metricsMoved = fresh.metricsPort != settings.metricsPort
        settings = fresh
        osc.dispatcher.access = Access(rules: fresh.access, logger: logger)
        logger.notice("SIGHUP: \(osc.dispatcher.access?.summary ?? "")")
        changer.folder = ShowFolder(kind: "patch", roots: fresh.patchFolders)
        keeper?.configured = fresh.patch
        if let cap = Command("/polyphon/limit/volume", .number(fresh.volumeLimit)) { stage.submit(TimedCommands([cap])) }
        startSchedule()
        if metricsMoved {
            metrics?.stop()
            Thread.sleep(forTimeInterval: 0.3)   // its thread closes the old socket within 0.2 s
            startMetrics()
        }
        do {
            try switchPatch(to: patchFile)
        } catch {
            logger.error("SIGHUP: patch \(patchFile) has errors, keeping the one playing:\n\(error)")
        }
    }

    func stop() {
        scheduler?.stop()
        metrics?.stop()
        caretaker.stop()
        osc.stop()
        stage.conductor.stop()
        recorder?.close()
        noteLog?.close()
        noteLog?.flush()
        keeper?.stop()
        output.stop()
        launcher.stop()
    }
}

extension Show {
    /// One MIDI output per agent of the patch loaded at start: the drummer on General MIDI's
    /// drum channel (10), the others each on their own channel, so one multitimbral synth can
    /// take them all.
    static func midiOutputs(for patch: Patch) -> [(name: String, channel: UInt8)] {
        var next: UInt8 = 0
        return patch.agents.map { a in
            if a.spec.role == .drums { return (a.spec.name, 9) }
            defer { next = next == 8 ? 10 : min(15, next + 1) }
            return (a.spec.name, next)
        }
    }
}
