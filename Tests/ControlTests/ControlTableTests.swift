import Control
import Engine
import Foundation
import Installation
import Music
import Testing

/// Every entry of the control table, checked against everything that derives from it: the
/// router takes it (and its `/norm`), feedback and status carry it, the state file keeps it,
/// the patch reader checks the same range, and docs/osc.md lists it. Nothing is listed by hand:
/// a new entry is covered the moment it is declared.
@Suite struct ControlTableTests {
    static let patchText = """
    [band]
    tempo = 112
    [agent.drums]
    role = "drums"
    instrument = "drumkit"
    [agent.bass]
    role = "bass"
    [agent.bells]
    role = "lead"
    instrument = "fm"
    """

    struct Rig {
        let patch: Patch
        let store: ParameterStore
        let router: CommandRouter

        init() throws {
            patch = try Patch(file: "table.patch", text: ControlTableTests.patchText)
            store = ParameterStore(patch.initialSteering)
            router = CommandRouter(store: store, agentNames: patch.agents.map(\.spec.name))
        }
    }

    /// The agent each scope is tried on: one whose instrument has the parameter.
    func agent(for spec: ControlSpec) -> String? {
        switch spec.scope {
        case .band: nil
        case .agent: "bass"
        case .sound(let family, _): ["drumkit": "drums", "subtractive": "bass", "fm": "bells"][family]
        }
    }

    /// A valid message for `spec` whose value differs from the patch's, and the value it sets.
    func message(for spec: ControlSpec, address: String, now: ControlValue?) -> (OSCMessage, ControlValue)? {
        switch spec.kind {
        case .number:
            guard let r = spec.range else { return nil }
            var v = r.lowerBound + 0.37 * (r.upperBound - r.lowerBound)
            if case .number(let old)? = now, abs(old - v) < 1e-9 { v = r.lowerBound + 0.61 * (r.upperBound - r.lowerBound) }
            return (OSCMessage(address, [.double(v)]), .number(v))
        case .toggle:
            let on: Bool
            if case .flag(let b)? = now { on = !b } else { on = true }
            return (OSCMessage(address, [.int(on ? 1 : 0)]), .flag(on))
        case .text:
            switch spec.address {
            case "/polyphon/mood": return (OSCMessage(address, [.string("dark")]), .text("dark"))
            case "/polyphon/key": return (OSCMessage(address, [.string("F# lydian")]), .text("F# lydian"))
            default: return nil
            }
        case .pair:
            guard let r = spec.range else { return nil }
            let s = spec.secondRange ?? r
            let a = r.lowerBound + 0.3 * (r.upperBound - r.lowerBound), b = s.lowerBound + 0.8 * (s.upperBound - s.lowerBound)
            return (OSCMessage(address, [.double(a), .double(b)]), .pair(a, b))
        case .trigger, .query, .session:
            return nil
        }
    }

    func close(_ a: ControlValue?, _ b: ControlValue) -> Bool {
        switch (a, b) {
        case (.number(let x)?, .number(let y)): return abs(x - y) < 1e-6 * max(1, abs(y))
        case (.pair(let x1, let x2)?, .pair(let y1, let y2)): return abs(x1 - y1) < 1e-6 && abs(x2 - y2) < 1e-6
        default: return a == b
        }
    }

    @Test func theRouterTakesEverySettingAndRefusesReadOnlyOnes() throws {
        var checked = 0
        for spec in ControlTable.all where spec.isSetting {
            let rig = try Rig()
            let name = agent(for: spec)
            let address = spec.address(agent: name)
            let index = name.flatMap { n in rig.store.read().agents.firstIndex { $0.name == n } }
            if spec.kind == .trigger {
                let prepared = try rig.router.prepare(OSCMessage(address))
                if spec.address.hasPrefix("/polyphon/cue/") {
                    #expect(prepared != .commands([]), "\(address)")
                } else {
                    #expect(prepared == .commands([Command(address, .trigger)!]), "\(address)")
                }
                checked += 1
                continue
            }
            guard let (m, expected) = message(for: spec, address: address, now: spec.value(in: rig.store.read(), agent: index)) else {
                if spec.kind == .text && spec.access.writable {
                    // Files and labels: prepared for the deck or the show, never applied as a setting.
                    if case .commands = try rig.router.prepare(OSCMessage(address, [.string("x")])) { Issue.record("\(address) became a setting") }
                    checked += 1
                }
                continue
            }
            let replies = rig.router.handle(m)
            if !spec.access.writable {
                #expect(replies.first?.arguments.last.map { "\($0)" }?.contains("read-only") == true, "\(address) must be refused")
                checked += 1
                continue
            }
            #expect(replies.isEmpty, "\(address): \(replies)")
            let now = spec.value(in: rig.store.read(), agent: index)
            if spec.readable {
                #expect(close(now, expected), "\(address): sent \(expected), reads \(String(describing: now))")
            }
            checked += 1
        }
        #expect(checked >= ControlTable.all.filter(\.isSetting).count - 2)
    }

    @Test func everyWritableNumberTakesNorm() throws {
        for spec in ControlTable.all where spec.kind == .number && spec.access.writable {
            let rig = try Rig()
            let name = agent(for: spec)
            let address = spec.address(agent: name) + "/norm"
            #expect(rig.router.handle(OSCMessage(address, [.float(0.5)])).isEmpty, "\(address)")
            let index = name.flatMap { n in rig.store.read().agents.firstIndex { $0.name == n } }
            let expected = try #require(spec.denormalize(0.5))
            #expect(close(spec.value(in: rig.store.read(), agent: index), .number(expected)), "\(address)")
            #expect(rig.router.handle(OSCMessage(address, [.float(1.5)])).first?.address == "/polyphon/error")
        }
    }

    @Test func feedbackAndStatusCarryEveryReadableSetting() throws {
        let rig = try Rig()
        // Give every sound parameter a live value, so feedback has one to send.
        for spec in ControlTable.all {
            guard case .sound = spec.scope, let name = agent(for: spec), let r = spec.range else { continue }
            #expect(rig.router.handle(OSCMessage(spec.address(agent: name), [.double(r.lowerBound)])).isEmpty)
        }
        let feedback = Feedback(router: rig.router).stateMessages().map(\.address)
        let status = StatusReply(steering: rig.store.read(), agentNames: rig.router.agentNames, figures: LiveFigures()).message
        let keys = Set(stride(from: 0, to: status.arguments.count, by: 2).compactMap { i -> String? in
            if case .string(let k) = status.arguments[i] { return k } else { return nil }
        })
        for spec in ControlTable.all where spec.readable && spec.isSetting {
            let name = agent(for: spec)
            #expect(feedback.contains(spec.address(agent: name)), "feedback lacks \(spec.address(agent: name))")
            let key = name.map { "\($0).\(spec.key)" } ?? spec.key
            if spec.kind == .pair && spec.scope == .band {
                #expect(keys.contains(spec.partKeys.0) && keys.contains(spec.partKeys.1), "status lacks \(spec.partKeys)")
            } else {
                #expect(keys.contains(key), "status lacks \(key)")
            }
        }
    }

    @Test func theStateFileKeepsEveryKeptControl() throws {
        let rig = try Rig()
        var changed: [(ControlSpec, Int?, ControlValue)] = []
        for spec in ControlTable.all where spec.kept {
            let name = agent(for: spec)
            let index = name.flatMap { n in rig.store.read().agents.firstIndex { $0.name == n } }
            guard let (m, _) = message(for: spec, address: spec.address(agent: name), now: spec.value(in: rig.store.read(), agent: index)),
                  spec.access.writable else { continue }
            _ = rig.router.handle(m)
        }
        rig.router.store.update { $0.playing = false }
        let s = rig.store.read()
        for spec in ControlTable.all where spec.kept {
            let index = agent(for: spec).flatMap { n in s.agents.firstIndex { $0.name == n } }
            if let v = spec.value(in: s, agent: index) { changed.append((spec, index, v)) }
        }
        let path = NSTemporaryDirectory() + "polyphon-table-\(getpid()).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try StateFile(path: path).save(SavedState(patch: "table.patch", seed: 1, steering: s, cue: nil))
        let back = try #require(try StateFile(path: path).load())
        var fresh = rig.patch.initialSteering
        back.restore(into: &fresh)
        for (spec, index, v) in changed {
            #expect(close(spec.value(in: fresh, agent: index), v), "\(spec.address): saved \(v), restored \(String(describing: spec.value(in: fresh, agent: index)))")
        }
        #expect(changed.count >= 30)
    }

    /// The patch reader refuses a value just outside the control's range and takes one inside.
    @Test func thePatchReaderChecksTheSameRanges() throws {
        var checked = 0
        for spec in ControlTable.all {
            guard let key = spec.patchKey, let r = spec.range, spec.kind == .number else { continue }
            let parts = key.split(separator: ".").map(String.init)
            func text(_ v: Double) -> String {
                let value = String(v)
                switch parts[0] {
                case "band", "master", "reverb", "delay", "compressor":
                    if key == "delay.division" { return "[delay]\ndivision = \"1/4\"\n" }   // a note value, not a number
                    return "[\(parts[0])]\n\(parts[1]) = \(value)\n[agent.a]\nrole = \"bass\"\n"
                case "agent":
                    return "[agent.a]\nrole = \"bass\"\n\(parts[1]) = \(value)\n"
                default:
                    let role = parts[0] == "drumkit" ? "drums" : "lead"
                    return "[agent.a]\nrole = \"\(role)\"\ninstrument = \"\(parts[0])\"\n\(parts[1]) = \(value)\n"
                }
            }
            if key == "delay.division" { continue }
            let span = r.upperBound - r.lowerBound
            #expect(throws: SourceErrors.self, "\(key) = \(r.upperBound + span * 0.01 + 0.001) must be refused") {
                try Patch(file: "t.patch", text: text(r.upperBound + span * 0.01 + 0.001))
            }
            #expect(throws: Never.self, "\(key) = \(r.upperBound) must be taken") { try Patch(file: "t.patch", text: text(r.upperBound)) }
            checked += 1
        }
        #expect(checked >= 60)
    }

    @Test func theOSCReferenceListsEveryControl() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/osc.md"), encoding: .utf8)
        for spec in ControlTable.all {
            #expect(doc.contains("`\(spec.address)`"), "docs/osc.md lacks \(spec.address); regenerate it with `polyphon controls`")
        }
    }
}
