import Realtime
import Dispatch
import Engine
import Foundation
import Synchronization

/// Answers status and ping from the latest published snapshot, once the commands the sender
/// sent before have landed, so "set the tempo, then ask" reads the new tempo.
///
/// It runs on its own thread and never makes a listener or the conductor wait: a question
/// waits here, at most `patience`, for the conductor's applied sequence number to pass the
/// sender's last command, then is answered with whatever the snapshot holds.
final class Responder: @unchecked Sendable {
    struct Waiting {
        var query: PreparedCommand.Query
        var after: Int
        var peer: any OSCPeer
        var deadline: DispatchTime
    }

    let applied: @Sendable () -> Int
    let answer: @Sendable (PreparedCommand.Query) -> OSCMessage
    /// How long a question waits for the conductor before it is answered anyway.
    static let patience = 0.2
    private let waiting = Guarded<[Waiting]>([])
    private let wake = DispatchSemaphore(value: 0)
    private let running = Atomic<Bool>(false)

    init(applied: @escaping @Sendable () -> Int, answer: @escaping @Sendable (PreparedCommand.Query) -> OSCMessage) {
        self.applied = applied
        self.answer = answer
    }

    /// Answers at once when nothing is outstanding (or no thread runs); otherwise queues.
    func ask(_ query: PreparedCommand.Query, after: Int, peer: any OSCPeer) {
        if !running.load(ordering: .acquiring) || applied() >= after {
            peer.send(.message(answer(query)))
            return
        }
        waiting.withLock {
            $0.append(Waiting(query: query, after: after, peer: peer, deadline: .now() + Responder.patience))
        }
        wake.signal()
    }

    func start() {
        running.store(true, ordering: .releasing)
        let t = Thread { [self] in
            while running.load(ordering: .acquiring) {
                if waiting.withLock({ $0.isEmpty }) {
                    _ = wake.wait(timeout: .now() + 0.2)
                    continue
                }
                let done = applied(), now = DispatchTime.now()
                let ready = waiting.withLock { list -> [Waiting] in
                    let ready = list.filter { $0.after <= done || $0.deadline <= now }
                    list.removeAll { $0.after <= done || $0.deadline <= now }
                    return ready
                }
                for w in ready { w.peer.send(.message(answer(w.query))) }
                usleep(500)
            }
        }
        t.name = "polyphon-replies"
        t.start()
    }

    func stop() {
        running.store(false, ordering: .releasing)
        wake.signal()
    }
}
