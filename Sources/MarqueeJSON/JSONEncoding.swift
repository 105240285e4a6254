/// How `JSONEncoding` writes an optional property that is `nil`.
public enum NullEncoding: Sendable, Equatable {
    /// `encodeIfPresent(nil, forKey:)` writes `"key":null`, so every declared
    /// property appears in the output (stable shape for event payloads).
    case explicit
    /// `encodeIfPresent(nil, forKey:)` leaves the key out.
    case omit
}

/// Why a value could not be encoded by `JSONEncoding`.
public struct JSONEncodingError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        /// NaN or an infinity: JSON numbers must be finite (RFC 8259 section 6).
        /// The payload is the value's Swift description, e.g. `"nan"`.
        case nonFiniteNumber(String)
        /// An integer outside `Int64` (e.g. a large `UInt64`), which `JSONDecoding`
        /// could not read back exactly (RFC 8259 section 6 warns that such numbers
        /// are not interoperable). The payload is the value in decimal.
        case integerOutOfRange(String)
        /// The same key was encoded twice in one object (RFC 8259 section 4).
        case duplicateKey(String)
        /// The top-level value's `encode(to:)` wrote nothing.
        case noValue
        /// A container was used in a way a streaming encoder cannot honour, e.g.
        /// written to after a sibling container was started, or a single-value
        /// container written twice.
        case invalidContainerUse(String)
        /// The value's own `encode(to:)` threw `EncodingError.invalidValue`.
        case invalidValue(String)
    }

    /// Where the problem is, e.g. `items[2].price`; empty for the top level.
    public let path: String
    public let reason: Reason

    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        let at = path.isEmpty ? "" : "field '\(path)': "
        switch reason {
        case .nonFiniteNumber(let value):
            return "\(at)cannot encode \(value) because JSON numbers must be finite"
        case .integerOutOfRange(let value):
            return "\(at)cannot encode \(value) because integers must fit in 64-bit signed range; encode it as a string"
        case .duplicateKey(let key):
            return "\(at)key '\(key)' was encoded twice in the same object"
        case .noValue:
            return "\(at)the value did not encode anything"
        case .invalidContainerUse(let detail):
            return "\(at)\(detail)"
        case .invalidValue(let detail):
            return "\(at)\(detail)"
        }
    }
}

/// A fast `Encodable` → JSON bridge that streams straight into a `JSONWriter`
/// without building an intermediate tree.
///
/// Keys appear in the order `encode(to:)` writes them (declaration order for
/// synthesized conformances). Because output is streamed, a container must be
/// finished before its parent (or a sibling) is written to again; going back to
/// an earlier container throws `JSONEncodingError` rather than producing wrong
/// JSON. Encoding the same key twice in one object also throws, so the output
/// always parses with `JSONValue(parsing:)`.
public struct JSONEncoding: Sendable {
    /// Encodes `value` as compact UTF-8 JSON.
    ///
    /// - Parameter nulls: whether `nil` optionals appear as `"key":null`
    ///   (`.explicit`, the default) or are left out (`.omit`).
    /// - Throws: `JSONEncodingError` (non-finite number, duplicate key, misuse
    ///   of containers); errors thrown by the value's own `encode(to:)` that are
    ///   not `EncodingError`s pass through unchanged.
    public static func encode<T: Encodable>(_ value: T, nulls: NullEncoding = .explicit) throws -> [UInt8] {
        let core = EncoderCore(nulls: nulls)
        do {
            try core.encodeTopLevel(value)
        } catch {
            throw EncoderCore.publicError(error)
        }
        return core.out.toArray()
    }

    /// Encodes `value` as one JSON value appended to `writer` (after a comma if
    /// the writer is between array elements). On error, `writer` is left unchanged.
    public static func encode<T: Encodable>(
        _ value: T, nulls: NullEncoding = .explicit, into writer: inout JSONWriter
    ) throws {
        let core = EncoderCore(nulls: nulls)
        do {
            try core.encodeTopLevel(value)
        } catch {
            throw EncoderCore.publicError(error)
        }
        writer.separate()
        core.out.withBytes { writer.bytes.append(contentsOf: $0) }
        writer.needsComma = true
    }

    /// Encodes `value` as a compact JSON `String`.
    public static func encodeString<T: Encodable>(_ value: T, nulls: NullEncoding = .explicit) throws -> String {
        String(decoding: try encode(value, nulls: nulls), as: UTF8.self)
    }

    /// Encodes `value` and returns it as a `JSONValue` tree (by encoding and
    /// re-parsing; use `encode` when bytes are what you need).
    public static func encodeValue<T: Encodable>(_ value: T, nulls: NullEncoding = .explicit) throws -> JSONValue {
        let bytes = try encode(value, nulls: nulls)
        // The encoder only emits valid, duplicate-free JSON, so this cannot fail
        // except for nesting deeper than the parser's safety limit.
        return try JSONValue(parsing: bytes, maxDepth: Int.max)
    }
}
