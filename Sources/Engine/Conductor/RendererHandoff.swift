import Realtime
import Synchronization

/// The hand-over of renderers between the conductor and the audio thread at a patch switch.
///
/// The conductor offers a retained renderer through an atomic slot; the audio thread takes it,
/// crossfades, and gives the old one back through an SPSC queue. Only the conductor releases
/// them (`collect`), so no renderer is ever freed on the audio thread and nothing waits.
/// It also carries the audio clock across switches (frames rendered since start).
final class RendererHandoff: @unchecked Sendable {
    /// The audio clock: the audio thread adds each block; everyone else reads.
    let frames = Atomic<Int64>(0)
    /// A retained renderer waiting for the audio thread (opaque pointer bits; 0 when empty).
    let incoming = Atomic<UInt>(0)
    /// Renderers the audio thread is done with, still retained (its single producer).
    let retired = SPSCQueue<UInt>(capacity: 16)

    /// Conductor thread: offers `renderer`; one offered before and never taken is released.
    func offer(_ renderer: Renderer) {
        let bits = UInt(bitPattern: Unmanaged.passRetained(renderer).toOpaque())
        let previous = incoming.exchange(bits, ordering: .acquiringAndReleasing)
        Self.release(previous)
    }

    /// Conductor thread (its single consumer): releases renderers the audio thread has finished with.
    func collect() {
        while let bits = retired.pop() { Self.release(bits) }
    }

    static func release(_ bits: UInt) {
        guard bits != 0, let p = UnsafeRawPointer(bitPattern: bits) else { return }
        Unmanaged<Renderer>.fromOpaque(p).release()
    }
}
