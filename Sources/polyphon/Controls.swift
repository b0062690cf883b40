import ArgumentParser
import Engine
import Foundation

/// `polyphon controls`: the control table, every address the show takes, as JSON for tools
/// (and, later, OSCQuery) or as the Markdown table in docs/osc.md.
struct Controls: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print every control: address, type, range, unit, access, patch key, description.")

    @Flag(help: "JSON, one object per control.") var json = false

    func run() throws {
        if json {
            let data = try JSONSerialization.data(withJSONObject: ControlTable.all.map(Controls.object), options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(Controls.markdown())
        }
    }

    static func object(_ c: ControlSpec) -> [String: Any] {
        var o: [String: Any] = ["address": c.address, "kind": c.kind.rawValue, "types": c.types, "access": c.access.rawValue,
                                "description": c.summary, "clip": c.clip.rawValue, "curve": c.curve.rawValue, "key": c.key]
        switch c.scope {
        case .band: o["scope"] = "band"
        case .agent: o["scope"] = "agent"
        case .sound(let family, _): o["scope"] = "sound"; o["instrument"] = family
        }
        if let r = c.range { o["range"] = [r.lowerBound, r.upperBound] }
        if let r = c.secondRange { o["second_range"] = [r.lowerBound, r.upperBound] }
        if let r = c.faderRange, c.kind == .number { o["norm_range"] = [r.lowerBound, r.upperBound] }
        if c.level { o["level"] = true }
        if !c.unit.isEmpty { o["unit"] = c.unit }
        if let k = c.patchKey { o["patch_key"] = k }
        if let e = c.event { o["audio_event"] = "\(e)" }
        o["kept_in_state"] = c.kept
        return o
    }

    /// The OSC table of docs/osc.md (a test checks the file lists every control).
    static func markdown() -> String {
        var lines = ["| address | type | range | access | patch key | what it does |", "|---|---|---|---|---|---|"]
        for c in ControlTable.all {
            var range = c.range.map { "\(fmt($0.lowerBound))…\(fmt($0.upperBound))" } ?? ""
            if let s = c.secondRange { range += ", \(fmt(s.lowerBound))…\(fmt(s.upperBound))" }
            if !c.unit.isEmpty { range += " \(c.unit)" }
            if c.level { range += " (or i 0…100)" }
            let type = c.types.isEmpty ? "none" : c.types.replacingOccurrences(of: "|", with: " or ")
            lines.append("| `\(c.address)` | \(type) | \(range) | \(c.access.rawValue) | \(c.patchKey.map { "`\($0)`" } ?? "") | \(c.summary.replacingOccurrences(of: "|", with: "\\|")) |")
        }
        return lines.joined(separator: "\n")
    }

    static func fmt(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e9 ? String(Int(v)) : String(v) }
}
