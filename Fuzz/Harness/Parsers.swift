import Control
import Engine
import Installation

/// The readers that take bytes from outside the show: the network, or a file a user hands us.
/// The first byte of a fuzz input picks one (modulo the count); the rest is what it reads.
/// Adding a reader is one line here. Each must return on any input: a crash, a trap or a hang
/// in one of them is a bug in that reader.
///
/// Order matters: corpus files start with the index of their reader, so append, never insert.
let parsersUnderFuzz: [(name: String, read: @Sendable (ArraySlice<UInt8>) -> Void)] = [
    ("osc", { bytes in _ = OSCPacket.parse(bytes) }),
    ("cue", { bytes in _ = try? CueList(file: "fuzz.cue", text: text(bytes)) }),
    ("patch", { bytes in _ = try? Patch(file: "fuzz.patch", text: text(bytes)) }),
    ("settings", { bytes in var errors: [SourceError] = []; _ = SettingsDocument(file: "fuzz.conf", text: text(bytes), errors: &errors) }),
    ("config", { bytes in _ = try? InstallationConfig(file: "fuzz.conf", text: text(bytes)) }),
]

/// Text as the file readers see it. Invalid UTF-8 is repaired (U+FFFD) rather than skipped, so
/// every input reaches the reader; a valid UTF-8 file reads exactly as `String(contentsOfFile:
/// encoding: .utf8)` reads it for `patch check`, `cue check` and `/polyphon/cue/load`.
private func text(_ bytes: ArraySlice<UInt8>) -> String {
    String(decoding: bytes, as: UTF8.self)
}

/// Runs one fuzz input through the reader its first byte picks.
func readOne(_ input: ArraySlice<UInt8>) {
    guard let first = input.first else { return }
    parsersUnderFuzz[Int(first) % parsersUnderFuzz.count].read(input.dropFirst())
}
