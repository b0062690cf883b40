import CRealtime

/// Thread set-up and clocks for the audio thread. All of these are safe to call in real time.
public enum Realtime {
    /// Flush denormals to zero on the calling thread.
    @_noAllocation @_noLocks
    public static func flushDenormals() { _unsafePerformance { polyphon_flush_denormals() } }

    /// Monotonic nanoseconds.
    @_noAllocation @_noLocks
    public static func nowNanoseconds() -> UInt64 { _unsafePerformance { polyphon_monotonic_ns() } }

    /// CPU nanoseconds spent by the calling thread.
    @inline(__always)
    public static func threadCPUNanoseconds() -> UInt64 { polyphon_thread_cpu_ns() }
}
