import Realtime
import Engine
import Foundation
import Synchronization

/// A venue's own addresses bound to Polyphon's: `/1/fader3` to density, `/pb/1` to GO,
/// `/eos/out/active/cue` to a cue label. Numbers are scaled from the controller's range through
/// a curve onto the target's range; other arguments pass through. Read from a mapping file, and
/// extended live by OSC learn.
///
/// File format (the patch file syntax), one section per incoming address:
///
///     [/1/fader3]
///     to = "/polyphon/tempo"
///     min = 0          # what the controller sends, low and high
///     max = 1
///     to_min = 60      # the target's values at those ends
///     to_max = 180
///     curve = "linear" # linear, exponential, logarithmic or smooth
public final class Mapping: @unchecked Sendable {
    public enum Curve: String, Sendable, CaseIterable {
        case linear, exponential, logarithmic, smooth

        func apply(_ t: Double) -> Double {
            switch self {
            case .linear: t
            case .exponential: t * t
            case .logarithmic: t.squareRoot()
            case .smooth: t * t * (3 - 2 * t)
            }
        }

        func invert(_ y: Double) -> Double {
            switch self {
            case .linear: return y
            case .exponential: return y.squareRoot()
            case .logarithmic: return y * y
            case .smooth:
                var lo = 0.0, hi = 1.0
                for _ in 0..<30 {
                    let mid = (lo + hi) / 2
                    if apply(mid) < y { lo = mid } else { hi = mid }
                }
                return (lo + hi) / 2
            }
        }
    }

    public struct Binding: Sendable, Equatable {
        public var incoming: String
        public var target: String
        public var min = 0.0, max = 1.0
        /// nil: the target's own range (or pass the number through for non-ranged targets).
        public var toMin: Double?, toMax: Double?
        public var curve = Curve.linear
    }

    private let bindings = Guarded<[String: Binding]>([:])
    private let learning = Guarded<String?>(nil)
    /// Where learned bindings are appended, if a file was given.
    let file: String?

    public init(bindings list: [Binding] = [], file: String? = nil) {
        self.file = file
        bindings.withLock { b in for x in list { b[x.incoming] = x } }
    }

    public var all: [Binding] { bindings.withLock { Array($0.values).sorted { $0.incoming < $1.incoming } } }

    /// Reads a mapping file; throws every mistake with line and column.
    public convenience init(file: String, text: String, router: CommandRouter) throws(SourceErrors) {
        var errors: [SourceError] = []
        let doc = SettingsDocument(file: file, text: text, errors: &errors)
        var list: [Binding] = []
        for section in doc.sections {
            guard section.name.hasPrefix("/") else {
                errors.append(SourceError(file: file, line: section.line, column: section.column,
                                          message: "expected an incoming OSC address as the section name, e.g. [/1/fader3]"))
                continue
            }
            var b = Binding(incoming: section.name, target: "")
            for e in section.entries {
                func number() -> Double? {
                    if case .number(let n) = e.value { return n }
                    errors.append(SourceError(file: file, line: e.line, column: e.valueColumn, message: "'\(e.key)' expects a number"))
                    return nil
                }
                switch e.key {
                case "to":
                    guard case .string(let t) = e.value, t.hasPrefix("/") else {
                        errors.append(SourceError(file: file, line: e.line, column: e.valueColumn, message: "'to' expects a Polyphon address in quotes, e.g. \"/polyphon/density\""))
                        continue
                    }
                    if !router.addresses.contains(t) {
                        errors.append(SourceError(file: file, line: e.line, column: e.valueColumn, message: "unknown Polyphon address \"\(t)\""))
                    }
                    b.target = t
                case "min": if let n = number() { b.min = n }
                case "max": if let n = number() { b.max = n }
                case "to_min": if let n = number() { b.toMin = n }
                case "to_max": if let n = number() { b.toMax = n }
                case "curve":
                    guard case .string(let c) = e.value, let curve = Curve(rawValue: c) else {
                        errors.append(SourceError(file: file, line: e.line, column: e.valueColumn, message: "'curve' expects one of \(Curve.allCases.map(\.rawValue).joined(separator: ", "))"))
                        continue
                    }
                    b.curve = curve
                default:
                    errors.append(SourceError(file: file, line: e.line, column: e.keyColumn, message: "unknown key '\(e.key)'; expected to, min, max, to_min, to_max or curve"))
                }
            }
            if b.target.isEmpty {
                errors.append(SourceError(file: file, line: section.line, column: section.column, message: "[\(section.name)] needs 'to = \"/polyphon/...\"'"))
            } else if b.min == b.max {
                errors.append(SourceError(file: file, line: section.line, column: section.column, message: "[\(section.name)] has min equal to max"))
            }
            list.append(b)
        }
        if !errors.isEmpty { throw SourceErrors(errors: errors) }
        self.init(bindings: list, file: file)
    }

    /// Binds the next incoming address Polyphon does not know to `target`.
    public func learn(target: String, router: CommandRouter) throws(Rejection) {
        guard router.addresses.contains(target) else { throw Rejection("/polyphon/learn", "unknown Polyphon address '\(target)'") }
        learning.withLock { $0 = target }
    }

    /// The Polyphon message for an incoming one, or nil if it is not mapped.
    public func translate(_ m: OSCMessage) -> OSCMessage? {
        if !m.address.hasPrefix("/polyphon/"), let target = learning.withLock({ t -> String? in let x = t; t = nil; return x }) {
            let b = Binding(incoming: m.address, target: target)
            bindings.withLock { $0[m.address] = b }
            append(b)
        }
        guard let b = bindings.withLock({ $0[m.address] }) else { return nil }
        guard let first = m.arguments.first, let x = first.number, m.arguments.count == 1,
              let range = Mapping.range(of: b.target) ?? (b.toMin != nil && b.toMax != nil ? (b.toMin!...b.toMax!) : nil) else {
            return OSCMessage(b.target, m.arguments)
        }
        guard x.isFinite else { return OSCMessage(b.target, m.arguments) }  // the router refuses NaN with a reason
        let t = Swift.min(1, Swift.max(0, (x - b.min) / (b.max - b.min)))
        let lo = b.toMin ?? range.lowerBound, hi = b.toMax ?? range.upperBound
        return OSCMessage(b.target, [.double(lo + b.curve.apply(t) * (hi - lo))])
    }

    /// Feedback on the controllers' own addresses: each mapped value scaled back.
    func feedback(for router: CommandRouter) -> [OSCMessage] {
        all.compactMap { b in
            guard let value = router.currentValue(of: b.target), let range = Mapping.range(of: b.target) else { return nil }
            let lo = b.toMin ?? range.lowerBound, hi = b.toMax ?? range.upperBound
            guard hi != lo else { return nil }
            let y = Swift.min(1, Swift.max(0, (value - lo) / (hi - lo)))
            return OSCMessage(b.incoming, [.float(Float(b.min + b.curve.invert(y) * (b.max - b.min)))])
        }
    }

    /// The value range of a continuous Polyphon parameter, as the control table declares it.
    static func range(of address: String) -> ClosedRange<Double>? {
        guard let spec = ControlTable.spec(ControlTable.declared(address).address), spec.kind == .number else { return nil }
        return spec.range
    }

    private func append(_ b: Binding) {
        guard let file else { return }
        let text = "\n# learned \(Date())\n[\(b.incoming)]\nto = \"\(b.target)\"\n"
        if let h = FileHandle(forWritingAtPath: file) {
            h.seekToEndOfFile()
            h.write(Data(text.utf8))
            try? h.close()
        } else {
            FileManager.default.createFile(atPath: file, contents: Data(text.utf8))
        }
    }
}
