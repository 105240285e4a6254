import Foundation
import NIOCore

/// A parsed JSON document for assertions on responses and exported lines (named apart from
/// MarqueeJSON.JSONValue on purpose). Parsed with
/// Foundation (independent of the server's own codec, which is under test).
enum ResponseJSON: Sendable, Equatable, Decodable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([ResponseJSON])
    case object([String: ResponseJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null; return }
        if let value = try? container.decode(Bool.self) { self = .bool(value); return }
        if let value = try? container.decode(Int64.self) { self = .int(value); return }
        if let value = try? container.decode(Double.self) { self = .double(value); return }
        if let value = try? container.decode(String.self) { self = .string(value); return }
        if let value = try? container.decode([ResponseJSON].self) { self = .array(value); return }
        self = .object(try container.decode([String: ResponseJSON].self))
    }

    static func parse(_ text: String) throws -> ResponseJSON {
        do {
            return try JSONDecoder().decode(ResponseJSON.self, from: Data(text.utf8))
        } catch {
            throw TestFailure("not JSON (\(error)): \(text.prefix(500))")
        }
    }

    static func parse(_ buffer: ByteBuffer) throws -> ResponseJSON { try parse(String(buffer: buffer)) }

    subscript(key: String) -> ResponseJSON? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    subscript(index: Int) -> ResponseJSON? {
        if case .array(let items) = self, items.indices.contains(index) { return items[index] }
        return nil
    }

    var string: String? { if case .string(let v) = self { return v }; return nil }
    var int: Int64? { if case .int(let v) = self { return v }; return nil }
    var bool: Bool? { if case .bool(let v) = self { return v }; return nil }
    var double: Double? {
        switch self {
        case .double(let v): return v
        case .int(let v): return Double(v)
        default: return nil
        }
    }
    var array: [ResponseJSON]? { if case .array(let v) = self { return v }; return nil }
    var object: [String: ResponseJSON]? { if case .object(let v) = self { return v }; return nil }
    var isNull: Bool { self == .null }

    var description: String {
        switch self {
        case .null: return "null"
        case .bool(let v): return String(v)
        case .int(let v): return String(v)
        case .double(let v): return String(v)
        case .string(let v): return "\"\(v)\""
        case .array(let v): return "[" + v.map(\.description).joined(separator: ",") + "]"
        case .object(let v): return "{" + v.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
        }
    }
}

/// Parses JSON Lines (one object per non-blank line).
func parseJSONLines(_ text: String) throws -> [ResponseJSON] {
    try text.split(separator: "\n", omittingEmptySubsequences: true).map { try ResponseJSON.parse(String($0)) }
}

/// A JSON string literal for building request bodies by hand.
func jsonString(_ value: String) -> String {
    let data = try! JSONEncoder().encode(value)
    return String(decoding: data, as: UTF8.self)
}
