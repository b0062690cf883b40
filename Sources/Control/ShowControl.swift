import Engine
import Logging

/// Everything a venue talks to, assembled: UDP and TCP listeners, the dispatcher, controller
/// feedback, the mapping file and the cue recorder.
public final class ShowControl: @unchecked Sendable {
    public struct Options: Sendable {
        public var bind = "0.0.0.0"
        public var udpPort = 9000
        public var tcpPort = 9000
        /// Controllers that always get feedback, as (host, port).
        public var feedbackTargets: [(host: String, port: Int)] = []

        public init() {}
    }

    public let dispatcher: OSCDispatcher
    public let feedback: Feedback
    let udp: UDPListener
    let tcp: TCPListener
    let logger: Logger

    public init(options: Options, router: CommandRouter, sink: CommandSink, deck: (any CueDeck)?,
                patchLoader: (@Sendable (String) throws(Rejection) -> Void)?, figures: @escaping @Sendable () -> LiveFigures,
                mapping: Mapping?, recorder: CueRecorder?, logger: Logger) throws(ListenError) {
        self.logger = logger
        feedback = Feedback(router: router, mapping: mapping, deck: deck)
        dispatcher = OSCDispatcher(router: router, sink: sink, feedback: feedback, logger: logger, figures: figures)
        dispatcher.mapping = mapping
        dispatcher.deck = deck
        dispatcher.patchLoader = patchLoader
        dispatcher.recorder = recorder
        udp = try UDPListener(host: options.bind, port: options.udpPort, dispatcher: dispatcher, logger: logger)
        tcp = try TCPListener(host: options.bind, port: options.tcpPort, dispatcher: dispatcher, logger: logger)
        let udp = self.udp
        feedback.udpPeer = { host, port in udp.peer(host: host, port: port) }
        for t in options.feedbackTargets {
            if let p = udp.peer(host: t.host, port: t.port) { feedback.subscribe(p) }
        }
        logger.info("OSC listening on UDP \(options.bind):\(options.udpPort) and TCP \(options.bind):\(options.tcpPort) (size-prefix or SLIP)")
    }

    public func start() {
        dispatcher.start()
        udp.start()
        tcp.start()
        feedback.start()
    }

    public func stop() {
        dispatcher.stop()
        feedback.stop()
        udp.stop()
        tcp.stop()
    }
}
