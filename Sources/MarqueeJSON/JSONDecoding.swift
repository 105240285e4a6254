/// Why JSON could not be decoded into the requested type.
///
/// `description` is a complete message for API users, for example
/// `field 'quantity': expected an integer, got a string`,
/// `missing required field 'gift.handle'`, `unknown field 'extra' at 'items[2]'`
/// or `invalid JSON: unexpected end of input; the JSON text is incomplete`.
public struct JSONDecodingError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        /// The bytes are not valid JSON (RFC 8259).
        case invalidJSON(JSONError)
        /// The value has the wrong JSON type, e.g. `expected: "an integer", found: "a string"`.
        case typeMismatch(expected: String, found: String)
        /// The value has the right type but cannot be represented, e.g. a
        /// fraction or an out-of-range number for an integer field.
        case unrepresentable(expected: String, found: String)
        /// A required object member is absent.
        case missingField
        /// An array has fewer elements than the type reads.
        case missingElement
        /// The object at `objectPath` has a member `name` that the type never read
        /// (with `rejectUnknownKeys`); `path` is the member's own path.
        case unknownField(name: String, objectPath: String)
        /// The type's own `init(from:)` rejected the value (`DecodingError.dataCorrupted`
        /// and friends); the payload is its explanation.
        case invalidValue(String)
    }

    /// Where the problem is, like `gift`, `items[2].name` or `[0]`; empty for the
    /// whole document. For `missingField` and `unknownField` it includes the field.
    public let path: String
    public let reason: Reason

    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        let field = path.isEmpty ? "" : "field '\(path)': "
        switch reason {
        case .invalidJSON(let error):
            return "invalid JSON: \(error)"
        case .typeMismatch(let expected, let found), .unrepresentable(let expected, let found):
            return "\(field)expected \(expected), got \(found)"
        case .missingField:
            return "missing required field '\(path)'"
        case .missingElement:
            return "missing required array element '\(path)'"
        case .unknownField(let name, let objectPath):
            return objectPath.isEmpty ? "unknown field '\(name)'" : "unknown field '\(name)' at '\(objectPath)'"
        case .invalidValue(let detail):
            return "\(field)\(detail)"
        }
    }
}

/// Decodes `Decodable` types from JSON strictly: the bytes must be valid
/// RFC 8259 JSON (see `JSONValue(parsing:)`), and values are never coerced:
///
/// - integer fields accept only numbers written without fraction or exponent
///   that fit the integer type (so `1.0`, `1e3` and `300` for `UInt8` fail,
///   with no silent truncation or rounding);
/// - `Double`/`Float` fields accept any number (a `Float` field rejects numbers
///   beyond `Float`'s range);
/// - `String` fields accept only strings, `Bool` fields only `true`/`false`;
/// - `nil` is decoded only from JSON `null` (or a missing key for `decodeIfPresent`).
///
/// With `rejectUnknownKeys: true`, every object member that the type did not
/// ask for (through `decode`, `decodeIfPresent`, `contains`, `decodeNil`,
/// nested containers or `superDecoder`) is reported as an `unknownField` error
/// after decoding otherwise succeeds.
public struct JSONDecoding: Sendable {
    /// Parses `bytes` and decodes a `T` from them.
    /// - Throws: `JSONDecodingError`; errors thrown by the type's own
    ///   `init(from:)` that are not `DecodingError`s pass through unchanged.
    public static func decode<T: Decodable>(
        _ type: T.Type, from bytes: [UInt8], rejectUnknownKeys: Bool = false,
        maxDepth: Int = JSONValue.defaultMaxDepth
    ) throws -> T {
        let value = try parse { () throws(JSONError) in try JSONValue(parsing: bytes, maxDepth: maxDepth) }
        return try decode(type, from: value, rejectUnknownKeys: rejectUnknownKeys)
    }

    /// Parses raw UTF-8 bytes in place (e.g. a SQLite blob) and decodes a `T` from them.
    public static func decode<T: Decodable>(
        _ type: T.Type, from bytes: UnsafeRawBufferPointer, rejectUnknownKeys: Bool = false,
        maxDepth: Int = JSONValue.defaultMaxDepth
    ) throws -> T {
        let value = try parse { () throws(JSONError) in try JSONValue(parsing: bytes, maxDepth: maxDepth) }
        return try decode(type, from: value, rejectUnknownKeys: rejectUnknownKeys)
    }

    /// Parses `text` and decodes a `T` from it.
    public static func decode<T: Decodable>(
        _ type: T.Type, from text: String, rejectUnknownKeys: Bool = false,
        maxDepth: Int = JSONValue.defaultMaxDepth
    ) throws -> T {
        let value = try parse { () throws(JSONError) in try JSONValue(parsing: text, maxDepth: maxDepth) }
        return try decode(type, from: value, rejectUnknownKeys: rejectUnknownKeys)
    }

    /// Decodes a `T` from an already parsed `JSONValue`.
    public static func decode<T: Decodable>(
        _ type: T.Type, from value: JSONValue, rejectUnknownKeys: Bool = false
    ) throws -> T {
        let core = DecoderCore(rejectUnknownKeys: rejectUnknownKeys)
        defer { core.finish() }
        let decoder = JSONDecoderImpl(core: core, value: value, parent: nil, component: nil)
        let result: T
        do {
            result = try decoder.decodeFast(T.self) ?? T(from: decoder)
        } catch let error as DecodingError {
            throw DecoderCore.publicError(error)
        }
        if rejectUnknownKeys { try core.checkUnknownKeys() }
        return result
    }

    private static func parse(_ body: () throws(JSONError) -> JSONValue) throws(JSONDecodingError) -> JSONValue {
        do {
            return try body()
        } catch {
            throw JSONDecodingError(path: "", reason: .invalidJSON(error))
        }
    }
}
