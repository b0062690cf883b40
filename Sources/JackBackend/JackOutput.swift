import Realtime
import CJack
import Engine
import Foundation
import Logging
import Synchronization

/// Polyphon as a JACK client: two output ports fed by the stage.
///
/// When the server dies under it, JACK calls the shutdown hook; the session is marked lost, the
/// conductor and OSC keep running, and a watcher thread reopens the client when a server is back,
/// re-registers the ports and restores the playback connections.
public final class JackOutput: @unchecked Sendable {
    public struct OpenError: Error, CustomStringConvertible {
        public var description: String
    }

    let clientName: String
    let serverName: String?
    let autoConnect: Bool
    let logger: Logger
    let stage: Stage
    private let lock = Guarded<Session?>(nil)
    private let lost = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    private let xrunsBefore = Atomic<Int>(0)
    private let reconnects = Atomic<Int>(0)

    struct Session: @unchecked Sendable {
        var client: OpaquePointer
        var context: ProcessContext
    }

    public struct Figures: Sendable {
        public var running: Bool
        public var load: Double
        public var xruns: Int
        public var period: Int
        public var reconnects: Int
        /// JACK's frame counter minus the audio clock (for checking timetag conversion).
        public var frameOffset: Int64 = 0
    }

    /// - Parameter serverName: nil for the default server (or `JACK_DEFAULT_SERVER`).
    /// Agents that get stem ports `NAME_L`/`NAME_R` (post-fader, pre-master); empty for none.
    let stemNames: [String]

    /// Agents with a MIDI output port (`NAME_midi`), and their channels (0-based).
    let midiOutputs: [(name: String, channel: UInt8)]

    public init(stage: Stage, clientName: String, serverName: String?, autoConnect: Bool, logger: Logger, stemNames: [String] = [],
                midiOutputs: [(name: String, channel: UInt8)] = []) {
        self.midiOutputs = midiOutputs
        self.stage = stage
        self.stemNames = stemNames
        self.clientName = clientName
        self.serverName = serverName
        self.autoConnect = autoConnect
        self.logger = logger
        JackOutput.quietLibjack()
    }

    /// Sends libjack's error and info output to our log (debug level).
    static func quietLibjack() {
        jack_set_error_function(jackMessage)
        jack_set_info_function(jackMessage)
    }

    /// Opens a client without starting a server; returns its sample rate and period.
    public static func probe(clientName: String, serverName: String?) -> (sampleRate: Int, period: Int)? {
        quietLibjack()
        var status = jack_status_t(0)
        guard let c = polyphon_jack_open(clientName + "-probe", JackNoStartServer, &status, serverName) else { return nil }
        let result = (Int(jack_get_sample_rate(c)), Int(jack_get_buffer_size(c)))
        jack_client_close(c)
        return result
    }

    /// Opens the client, registers ports, activates and connects. Throws if no server answers.
    public func start() throws {
        try open()
        Thread.detachNewThread { [self] in watch() }
    }

    private func open() throws {
        var status = jack_status_t(0)
        guard let client = polyphon_jack_open(clientName, JackNoStartServer, &status, serverName) else {
            throw OpenError(description: "cannot open a JACK client (status 0x\(String(status.rawValue, radix: 16))): no JACK server \(serverName.map { "named '\($0)' " } ?? "")is running")
        }
        let rate = Int(jack_get_sample_rate(client))
        if Double(rate) != stage.sampleRate {
            logger.warning("JACK runs at \(rate) Hz but the engine was built for \(Int(stage.sampleRate)) Hz; pitch and tempo will be off until restart")
        }
        guard let left = jack_port_register(client, "out_L", JACK_DEFAULT_AUDIO_TYPE, UInt(JackPortIsOutput.rawValue), 0),
              let right = jack_port_register(client, "out_R", JACK_DEFAULT_AUDIO_TYPE, UInt(JackPortIsOutput.rawValue), 0) else {
            jack_client_close(client)
            throw OpenError(description: "cannot register JACK output ports")
        }
        var stems: [OpaquePointer] = []
        for name in stemNames {
            for side in ["_L", "_R"] {
                guard let port = jack_port_register(client, name + side, JACK_DEFAULT_AUDIO_TYPE, UInt(JackPortIsOutput.rawValue), 0) else {
                    jack_client_close(client)
                    throw OpenError(description: "cannot register JACK stem port \(name + side)")
                }
                stems.append(port)
            }
        }
        var outs: [(port: OpaquePointer, channel: UInt8)] = []
        for o in midiOutputs {
            guard let port = jack_port_register(client, o.name + "_midi", JACK_DEFAULT_MIDI_TYPE, UInt(JackPortIsOutput.rawValue), 0) else {
                jack_client_close(client)
                throw OpenError(description: "cannot register JACK MIDI port \(o.name)_midi")
            }
            outs.append((port, o.channel))
        }
        // The live player's keyboard (or any MIDI source) on `midi_in`.
        let midiIn = jack_port_register(client, "midi_in", JACK_DEFAULT_MIDI_TYPE, UInt(JackPortIsInput.rawValue), 0)
        if midiIn == nil { logger.warning("cannot register the JACK MIDI input port; the band will not hear a player") }
        let context = ProcessContext(stage: stage, client: client, left: left, right: right, midiIn: midiIn,
                                     period: Int(jack_get_buffer_size(client)),
                                     sampleRate: Double(rate), xruns: xrunsBefore.load(ordering: .relaxed), stems: stems,
                                     midiOuts: outs)
        let contextPointer = Unmanaged.passUnretained(context).toOpaque()
        jack_set_process_callback(client, jackProcess, contextPointer)
        jack_set_xrun_callback(client, jackXrun, contextPointer)
        jack_set_buffer_size_callback(client, jackBufferSize, contextPointer)
        jack_on_info_shutdown(client, jackShutdown, Unmanaged.passUnretained(self).toOpaque())
        guard jack_activate(client) == 0 else {
            jack_client_close(client)
            throw OpenError(description: "cannot activate the JACK client")
        }
        lock.withLock { $0 = Session(client: client, context: context) }
        lost.store(false, ordering: .releasing)
        let name = String(cString: jack_get_client_name(client))
        logger.info("JACK client '\(name)' running at \(rate) Hz, period \(jack_get_buffer_size(client)) frames; ports \(name):out_L, \(name):out_R, \(name):midi_in")
        if autoConnect { connectToPlayback(client) }
    }

    private func connectToPlayback(_ client: OpaquePointer) {
        let flags = UInt(JackPortIsPhysical.rawValue | JackPortIsInput.rawValue)
        guard let ports = jack_get_ports(client, nil, JACK_DEFAULT_AUDIO_TYPE, flags) else {
            logger.info("no physical playback ports to connect to")
            return
        }
        defer { jack_free(ports) }
        var targets: [String] = []
        var i = 0
        while let p = ports[i], targets.count < 2 {
            targets.append(String(cString: p))
            i += 1
        }
        let own = String(cString: jack_get_client_name(client))
        for (port, target) in zip(["out_L", "out_R"], targets) {
            if jack_connect(client, "\(own):\(port)", target) == 0 {
                logger.info("connected \(own):\(port) -> \(target)")
            } else {
                logger.warning("could not connect \(own):\(port) -> \(target)")
            }
        }
    }

    /// Called by JACK (on its own thread) when the server shuts down under us.
    func serverWentAway(reason: String) {
        lost.store(true, ordering: .releasing)
        logger.error("JACK server shut down (\(reason)); audio stopped. Polyphon keeps running and will reconnect when a JACK server is back.")
    }

    /// Reopens the client after a server loss, with backoff up to 1 s (a local server: cheap to ask).
    private func watch() {
        var delay = 0.25
        while !stopping.load(ordering: .acquiring) {
            Thread.sleep(forTimeInterval: 0.1)
            guard lost.load(ordering: .acquiring) else { continue }
            // The old client may not be closed from the shutdown callback; close it here.
            if let old = lock.withLock({ s -> Session? in let o = s; s = nil; return o }) {
                xrunsBefore.store(old.context.xruns.load(ordering: .relaxed), ordering: .relaxed)
                jack_client_close(old.client)
            }
            do {
                try open()
                reconnects.add(1, ordering: .relaxed)
                logger.notice("reconnected to JACK; audio resumed")
                delay = 0.25
            } catch {
                Thread.sleep(forTimeInterval: delay)
                delay = min(1, delay * 2)
            }
        }
    }

    /// True while a JACK session runs the engine (the audio clock advances).
    public var isRunning: Bool { !lost.load(ordering: .acquiring) && lock.withLock { $0 != nil } }

    public var figures: Figures {
        lock.withLock { s in
            guard let s, !lost.load(ordering: .acquiring) else {
                return Figures(running: false, load: 0, xruns: xrunsBefore.load(ordering: .relaxed), period: 0,
                               reconnects: reconnects.load(ordering: .relaxed))
            }
            return Figures(running: true, load: Double(s.context.loadPPM.load(ordering: .relaxed)) / 1e6,
                           xruns: s.context.xruns.load(ordering: .relaxed), period: s.context.period.load(ordering: .relaxed),
                           reconnects: reconnects.load(ordering: .relaxed), frameOffset: s.context.frameOffset.load(ordering: .relaxed))
        }
    }

    /// The audio-clock frame at which an OSC (NTP) timetag falls, through JACK's own clock, or
    /// nil while no JACK session runs. JACK's frame counter is 32 bits; the result is unwrapped
    /// to the frame nearest our clock.
    public func frame(forTimetag timetag: UInt64) -> Int64? {
        lock.withLock { s -> Int64? in
            guard let s, !lost.load(ordering: .acquiring), s.context.offsetKnown.load(ordering: .acquiring) else { return nil }
            // Relate wall-clock time to JACK's clock by a wall-clock reading bracketed by two JACK
            // readings; keep the tightest of a few brackets (a preemption inside one skews it).
            var best: (gap: Int64, jack: Double, unix: Double) = (.max, 0, 0)
            for _ in 0..<5 {
                let before = Int64(jack_get_time())
                var now = timespec()
                clock_gettime(CLOCK_REALTIME, &now)
                let after = Int64(jack_get_time())
                if after - before < best.gap {
                    best = (after - before, Double(before + after) / 2, Double(now.tv_sec) + Double(now.tv_nsec) / 1e9)
                }
            }
            let unixTag = Double(timetag >> 32) - 2_208_988_800 + Double(timetag & 0xFFFF_FFFF) / 4_294_967_296
            let jackTag = Int64(best.jack + (unixTag - best.unix) * 1e6)
            guard jackTag > 0 else { return nil }
            let jackFrame = Int64(jack_time_to_frames(s.client, jack_time_t(jackTag)))
            var ours = jackFrame - s.context.frameOffset.load(ordering: .relaxed)
            let clock = stage.framesRendered
            let wrap: Int64 = 1 << 32
            while ours - clock > wrap / 2 { ours -= wrap }
            while clock - ours > wrap / 2 { ours += wrap }
            return ours
        }
    }

    public func stop() {
        stopping.store(true, ordering: .releasing)
        if let s = lock.withLock({ s -> Session? in let o = s; s = nil; return o }) {
            if !lost.load(ordering: .acquiring) { jack_deactivate(s.client) }
            jack_client_close(s.client)
        }
    }
}
