import CLiblo
import Logging
import Synchronization

/// The OSC listener: liblo server threads on UDP and TCP (OSC 1.0 size-prefix framing) that turn
/// every message into a router call and send replies (status, errors) back to the sender.
///
/// One catch-all liblo method sees every message, so validation, pattern matching and error
/// replies are all ours, not liblo's. liblo's own bundle queue is off: a bundle is handled when
/// it arrives.
public final class OSCServer: @unchecked Sendable {
    let router: CommandRouter
    let logger: Logger
    private var threads: [UnsafeMutableRawPointer] = []
    public let port: Int
    private let receivedCount = Atomic<Int>(0)
    private let rejectedCount = Atomic<Int>(0)

    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    public init(port: Int, router: CommandRouter, logger: Logger) {
        self.port = port
        self.router = router
        self.logger = logger
    }

    public var received: Int { receivedCount.load(ordering: .relaxed) }
    public var rejected: Int { rejectedCount.load(ordering: .relaxed) }
    /// Packets liblo could not parse (counted across all servers in the process).
    public static var malformed: Int { malformedPackets.load(ordering: .relaxed) }

    /// Opens the UDP and TCP ports and starts listening.
    public func start() throws {
        for proto in [LO_UDP, LO_TCP] {
            guard let st = lo_server_thread_new_with_proto(String(port), proto, oscErrorHandler) else {
                stop()
                throw StartError(description: "cannot open OSC \(proto == LO_UDP ? "UDP" : "TCP") port \(port) (is another program using it?)")
            }
            lo_server_enable_queue(lo_server_thread_get_server(st), 0, 1)
            lo_server_thread_add_method(st, nil, nil, oscMessageHandler, Unmanaged.passUnretained(self).toOpaque())
            lo_server_thread_start(st)
            threads.append(st)
        }
        logger.info("OSC listening on UDP and TCP port \(port)")
    }

    public func stop() {
        for st in threads {
            lo_server_thread_stop(st)
            lo_server_thread_free(st)
        }
        threads.removeAll()
    }

    /// Called on a liblo thread for every message.
    func receive(path: String, types: String, argv: UnsafeMutablePointer<UnsafeMutablePointer<lo_arg>?>?, argc: Int, message: lo_message?) -> Int32 {
        receivedCount.add(1, ordering: .relaxed)
        var arguments: [OSCArgument] = []
        var unsupported: Character?
        for (i, tag) in types.enumerated() where i < argc {
            guard let arg = argv?[i] else { continue }
            switch tag {
            case "i": arguments.append(.int(arg.pointee.i))
            case "h": arguments.append(.int64(arg.pointee.h))
            case "f": arguments.append(.float(arg.pointee.f))
            case "d": arguments.append(.double(arg.pointee.d))
            case "s", "S":
                let text = UnsafeRawPointer(arg).withMemoryRebound(to: CChar.self, capacity: 1) { String(cString: $0) }
                arguments.append(.string(text))
            case "T": arguments.append(.bool(true))
            case "F": arguments.append(.bool(false))
            case "N": arguments.append(.null)
            case "I": arguments.append(.impulse)
            case "b": arguments.append(.blob(Int(lo_blob_datasize(UnsafeMutableRawPointer(arg)))))
            default: unsupported = tag
            }
        }
        let replies: [OSCMessage]
        if let unsupported {
            replies = [Rejection(path, "unsupported OSC type tag '\(unsupported)'").reply]
        } else {
            replies = router.handle(OSCMessage(path, arguments))
        }
        for reply in replies {
            if reply.address == "/polyphon/error" {
                rejectedCount.add(1, ordering: .relaxed)
                logger.notice("rejected \(path) \(types): \(reply.arguments.last.map { "\($0)" } ?? "")")
            }
            send(reply, inReplyTo: message)
        }
        return 0
    }

    private func send(_ reply: OSCMessage, inReplyTo message: lo_message?) {
        guard let message, let source = lo_message_get_source(message) else { return }
        guard let m = lo_message_new() else { return }
        defer { lo_message_free(m) }
        for a in reply.arguments {
            switch a {
            case .int(let v): lo_message_add_int32(m, v)
            case .int64(let v): lo_message_add_int64(m, v)
            case .float(let v): lo_message_add_float(m, v)
            case .double(let v): lo_message_add_double(m, v)
            case .string(let s): lo_message_add_string(m, s)
            case .bool(let b): if b { lo_message_add_true(m) } else { lo_message_add_false(m) }
            case .null: lo_message_add_nil(m)
            case .impulse: lo_message_add_infinitum(m)
            case .blob: break
            }
        }
        // Reply from the socket the message came in on, so the sender's port gets it.
        let server = threads.isEmpty ? nil : lo_message_get_source(message).flatMap { _ in replyServer(for: source) }
        lo_send_message_from(source, server, reply.address, m)
    }

    /// The server whose protocol matches the sender's address (TCP replies go down the same connection).
    private func replyServer(for address: lo_address) -> lo_server? {
        let proto = lo_address_get_protocol(address)
        let index = proto == LO_TCP ? 1 : 0
        return index < threads.count ? lo_server_thread_get_server(threads[index]) : nil
    }
}

let malformedPackets = Atomic<Int>(0)

/// liblo's error callback: malformed packets and socket errors. It has no sender to reply to.
private func oscErrorHandler(_ number: Int32, _ message: UnsafePointer<CChar>?, _ location: UnsafePointer<CChar>?) {
    malformedPackets.add(1, ordering: .relaxed)
    let text = message.map { String(cString: $0) } ?? "?"
    let place = location.map { String(cString: $0) } ?? ""
    Logger(label: "polyphon.osc").warning("OSC packet refused by liblo (error \(number)): \(text) \(place)")
}

/// liblo's method callback; a top-level function (not a closure in main.swift) so that it is not
/// main-actor isolated when liblo calls it from its own thread.
private func oscMessageHandler(_ path: UnsafePointer<CChar>?, _ types: UnsafePointer<CChar>?,
                               _ argv: UnsafeMutablePointer<UnsafeMutablePointer<lo_arg>?>?, _ argc: Int32,
                               _ message: lo_message?, _ context: UnsafeMutableRawPointer?) -> Int32 {
    guard let context, let path else { return 1 }
    let server = Unmanaged<OSCServer>.fromOpaque(context).takeUnretainedValue()
    return server.receive(path: String(cString: path), types: types.map { String(cString: $0) } ?? "",
                          argv: argv, argc: Int(argc), message: message)
}
