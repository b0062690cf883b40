import Foundation
import Control
import Engine
import Music

/// One file that sets up an installation: where to listen, who may control it, which patch,
/// where the state lives, the volume cap, and the time-of-day schedule. The patch-file syntax
/// (`[section]`, `key = value`, `#` comments); see `deploy/polyphon.conf`.
public struct InstallationConfig: Sendable {
    public var patch = "Patches/default.patch"
    public var stateFile: String?
    public var bind = "0.0.0.0"
    public var udpPort = 9000
    public var tcpPort: Int?
    public var clientName = "polyphon"
    public var jackServer: String?
    public var autoConnect = true
    /// The master gain never goes above this (linear), whatever a controller sends.
    public var volumeLimit = 2.0
    /// Prometheus text on 127.0.0.1:PORT; nil for none.
    public var metricsPort: Int?
    /// Seconds of silent output before the conductor re-arms the band.
    public var silenceSeconds = 30.0
    public var seed: UInt64?
    public var cues: String?
    /// The folders controllers may load patches and cue files from over OSC (default: the
    /// configured patch's folder, and the cue file's folder or else the patch folder).
    public var patchFolder: String?
    public var cueFolder: String?
    public var feedback: [(host: String, port: Int)] = []
    public var access = Access.Rules()
    public var schedule: [ScheduleWindow] = []
    public var file = ""

    public init() {}

    /// Reads and validates a config; throws every mistake with line and column.
    public init(file: String, text: String) throws(SourceErrors) {
        self.file = file
        var errors: [SourceError] = []
        let doc = SettingsDocument(file: file, text: text, errors: &errors)
        func fail(_ e: SettingsDocument.Entry, _ message: String, atKey: Bool = false) {
            errors.append(SourceError(file: file, line: e.line, column: atKey ? e.keyColumn : e.valueColumn, message: message))
        }
        func string(_ e: SettingsDocument.Entry) -> String? {
            if case .string(let s) = e.value { return s }
            fail(e, "'\(e.key)' expects a quoted string")
            return nil
        }
        func number(_ e: SettingsDocument.Entry, _ range: ClosedRange<Double>) -> Double? {
            if case .number(let n) = e.value, range.contains(n) { return n }
            fail(e, "'\(e.key)' expects a number in \(range.lowerBound)...\(range.upperBound)")
            return nil
        }
        func bool(_ e: SettingsDocument.Entry) -> Bool? {
            if case .bool(let b) = e.value { return b }
            fail(e, "'\(e.key)' expects true or false")
            return nil
        }
        func networks(_ e: SettingsDocument.Entry) -> [Network] {
            guard let s = string(e) else { return [] }
            var out: [Network] = []
            for part in s.split(separator: ",") {
                if let n = Network(String(part)) { out.append(n) }
                else { fail(e, "'\(e.key)': '\(part.trimmingCharacters(in: .whitespaces))' is not an IPv4 address or network (e.g. 192.168.1.0/24)") }
            }
            return out
        }
        for section in doc.sections {
            switch section.name {
            case "server":
                for e in section.entries {
                    switch e.key {
                    case "patch": if let s = string(e) { patch = s }
                    case "state": if let s = string(e) { stateFile = s }
                    case "bind":
                        if let s = string(e) {
                            if Network(s) == nil || s.contains("/") { fail(e, "'bind' expects an IPv4 address such as \"0.0.0.0\" or \"127.0.0.1\"") } else { bind = s }
                        }
                    case "udp_port", "port": if let n = number(e, 1...65535) { udpPort = Int(n) }
                    case "tcp_port": if let n = number(e, 1...65535) { tcpPort = Int(n) }
                    case "client_name": if let s = string(e) { clientName = s }
                    case "jack_server": if let s = string(e) { jackServer = s.isEmpty ? nil : s }
                    case "auto_connect": if let b = bool(e) { autoConnect = b }
                    case "volume_limit": if let n = number(e, 0...2) { volumeLimit = n }
                    case "metrics_port": if let n = number(e, 0...65535) { metricsPort = n == 0 ? nil : Int(n) }
                    case "silence_seconds": if let n = number(e, 1...3600) { silenceSeconds = n }
                    case "seed": if let n = number(e, 0...4_294_967_295) { seed = UInt64(n) }
                    case "cues": if let s = string(e) { cues = s.isEmpty ? nil : s }
                    case "patch_dir": if let s = string(e) { patchFolder = s.isEmpty ? nil : s }
                    case "cue_dir": if let s = string(e) { cueFolder = s.isEmpty ? nil : s }
                    case "feedback":
                        guard let s = string(e) else { continue }
                        for target in s.split(separator: ",") {
                            let parts = target.trimmingCharacters(in: .whitespaces).split(separator: ":")
                            if parts.count == 2, Network(String(parts[0])) != nil, let p = Int(parts[1]), (1...65535).contains(p) {
                                feedback.append((String(parts[0]), p))
                            } else {
                                fail(e, "'feedback' expects HOST:PORT entries separated by commas, found '\(target)'")
                            }
                        }
                    default:
                        fail(e, "unknown key '\(e.key)' in [server]; expected patch, state, bind, udp_port, tcp_port, client_name, jack_server, auto_connect, volume_limit, metrics_port, silence_seconds, seed, cues, patch_dir, cue_dir or feedback", atKey: true)
                    }
                }
            case "access":
                for e in section.entries {
                    switch e.key {
                    case "control": access.control = networks(e)
                    case "read_only": access.readOnly = networks(e)
                    case "rate_limit": if let n = number(e, 0...1_000_000) { access.rateLimit = n }
                    case "secret": if let s = string(e) { access.secret = s.isEmpty ? nil : s }
                    default: fail(e, "unknown key '\(e.key)' in [access]; expected control, read_only, rate_limit or secret", atKey: true)
                    }
                }
            default:
                if section.name.hasPrefix("schedule.") {
                    if let w = ScheduleWindow(section: section, file: file, errors: &errors) { schedule.append(w) }
                } else {
                    errors.append(SourceError(file: file, line: section.line, column: section.column,
                                              message: "unknown section [\(section.name)]; expected [server], [access] or [schedule.NAME]"))
                }
            }
        }
        if !errors.isEmpty { throw SourceErrors(errors: errors.sorted { ($0.line, $0.column) < ($1.line, $1.column) }) }
    }

    /// Where `/polyphon/patch NAME` looks.
    public var patchFolders: [String] { [patchFolder ?? Self.folder(of: patch)] }
    /// Where `/polyphon/cue/load NAME` looks.
    public var cueFolders: [String] { [cueFolder ?? cues.map(Self.folder(of:)) ?? patchFolder ?? Self.folder(of: patch)] }

    static func folder(of path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }
}
