import ArgumentParser

/// The measurements, kept out of the show's own binary: render speed, the cost comparison's
/// workload and the accelerated soak. They run the same engine code as `polyphon`.
@main
struct PolyphonBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "polyphon-bench",
        abstract: "Measure Polyphon's engine: render speed, the cost-comparison workload, an accelerated soak.",
        subcommands: [Bench.self, Workload.self, Soak.self]
    )
}
