// swift-tools-version:6.0
import PackageDescription

/// Modules point down: Engine never imports a backend (JACK, liblo, Control).
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Polyphon",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "polyphon", targets: ["polyphon"]),
        .executable(name: "polyphon-bench", targets: ["polyphon-bench"]),
        .executable(name: "polyphon-fuzz", targets: ["polyphon-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CJack", pkgConfig: "jack", providers: [.apt(["libjack-jackd2-dev"])]),
        .systemLibrary(name: "CLiblo", pkgConfig: "liblo", providers: [.apt(["liblo-dev"])]),
        // No pkg-config: fluidsynth.pc carries -pthread and -D flags SwiftPM refuses (with a warning on
        // every build); the header is in /usr/include and the module map links the library.
        .systemLibrary(name: "CFluidSynth", providers: [.apt(["libfluidsynth-dev"])]),
        .target(name: "CRealtime"),
        .target(name: "Realtime", dependencies: ["CRealtime"], swiftSettings: strict),
        .target(name: "DSP", dependencies: ["Realtime"], swiftSettings: strict),
        .target(name: "Music", swiftSettings: strict),
        .target(name: "Ensemble", dependencies: ["Music"], swiftSettings: strict),
        /// Learning styles from MIDI files and measuring them: `train`, `style-report`, `render --continue`
        /// and `--midi`. The live band only plays models, so Ensemble and Engine never import this.
        .target(name: "StyleTraining", dependencies: ["Ensemble", "Music"], swiftSettings: strict),
        .target(name: "SoundFont", dependencies: ["CFluidSynth", "Realtime"], swiftSettings: strict),
        // Engine's folders say who runs the code: Audio/ the audio thread (renderer, tracks, voices,
        // strips, buses; `@_noAllocation @_noLocks`), Conductor/ the control threads that schedule
        // it (conductor, stage, steering, player input, event logs, offline render), Patch/ the
        // patch language and the settings it produces (read before a performance starts).
        .target(name: "Engine", dependencies: ["DSP", "SoundFont", "Music", "Ensemble", "Realtime"], swiftSettings: strict),
        .target(name: "Control", dependencies: ["Engine", "Music", "CLiblo", .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        .target(name: "Installation", dependencies: ["Engine", "Control", "Music", .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        .target(name: "JackBackend", dependencies: ["Engine", "CJack", "Realtime", .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        /// Reading patches, cue lists and configs for a command line, shared by both executables.
        .target(
            name: "ShowFiles",
            dependencies: ["Engine", "Control", "Installation", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "polyphon",
            dependencies: [
                "Engine", "Control", "JackBackend", "Music", "Installation", "Ensemble", "StyleTraining", "ShowFiles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        /// Measurements, not the show: `bench`, `workload` (the cost comparison's score) and `soak`.
        .executableTarget(
            name: "polyphon-bench",
            dependencies: [
                "Engine", "DSP", "Realtime", "Installation", "ShowFiles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // Replays Fuzz/corpus in a normal build; Fuzz/run.sh builds it with libFuzzer (-DFUZZING).
        .executableTarget(name: "polyphon-fuzz", dependencies: ["Control", "Engine", "Installation"], path: "Fuzz/Harness", swiftSettings: strict),
        .target(name: "CAllocCounter", path: "Tests/CAllocCounter"),
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        .target(name: "CLockCounter", path: "Tests/CLockCounter"),
        .testTarget(name: "MusicTests", dependencies: ["Music"], swiftSettings: strict),
        .testTarget(name: "EnsembleTests", dependencies: ["Ensemble", "StyleTraining", "Music"], exclude: ["Resources"], swiftSettings: strict),
        .testTarget(name: "StyleTrainingTests", dependencies: ["StyleTraining", "Ensemble"], swiftSettings: strict),
        .testTarget(name: "DSPTests", dependencies: ["DSP", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "SoundFontTests", dependencies: ["SoundFont", "CFluidSynth", "CAllocCounter", "CLockCounter", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Ensemble", "StyleTraining", "Music", "SoundFont", "CAllocCounter", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "InstallationTests", dependencies: ["Installation", "Engine", "Control", "Music", .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        .testTarget(name: "ControlTests", dependencies: ["Control", "Engine", "Ensemble", "Music", .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
    ]
)
