/// One OSC argument, as liblo delivers it, in Swift terms.
public enum OSCArgument: Sendable, Equatable, CustomStringConvertible {
    case int(Int32)
    case int64(Int64)
    case float(Float)
    case double(Double)
    case string(String)
    case bool(Bool)
    case null
    case impulse
    case blob(Int)

    /// The OSC type tag.
    public var tag: Character {
        switch self {
        case .int: "i"
        case .int64: "h"
        case .float: "f"
        case .double: "d"
        case .string: "s"
        case .bool(let b): b ? "T" : "F"
        case .null: "N"
        case .impulse: "I"
        case .blob: "b"
        }
    }

    /// A number, from any numeric tag (liblo and desks mix i, f and d freely).
    public var number: Double? {
        switch self {
        case .int(let v): Double(v)
        case .int64(let v): Double(v)
        case .float(let v): Double(v)
        case .double(let v): v
        case .bool(let b): b ? 1 : 0
        default: nil
        }
    }

    public var isInteger: Bool {
        switch self {
        case .int, .int64: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .int(let v): "\(v)"
        case .int64(let v): "\(v)"
        case .float(let v): "\(v)"
        case .double(let v): "\(v)"
        case .string(let s): "\"\(s)\""
        case .bool(let b): b ? "true" : "false"
        case .null: "nil"
        case .impulse: "impulse"
        case .blob(let n): "blob(\(n) bytes)"
        }
    }
}

/// An OSC message: an address (possibly a pattern) and its arguments.
public struct OSCMessage: Sendable, Equatable, CustomStringConvertible {
    public var address: String
    public var arguments: [OSCArgument]

    public init(_ address: String, _ arguments: [OSCArgument] = []) {
        self.address = address
        self.arguments = arguments
    }

    public var typeTags: String { String(arguments.map(\.tag)) }

    public var description: String { ([address] + arguments.map(\.description)).joined(separator: " ") }
}
