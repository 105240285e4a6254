/// Why a byte sequence is not a valid JSON text under RFC 8259.
///
/// Every case that can be tied to a position carries `offset`: the zero-based
/// byte offset into the input (for `String` input, into its UTF-8 encoding).
/// `description` is a short human-readable sentence fragment suitable for an
/// HTTP problem+json `detail` field.
public enum JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input ended before the JSON text was complete (including empty or
    /// all-whitespace input, an unterminated string, array or object).
    case unexpectedEnd
    /// A byte that cannot start or continue the grammar at this point
    /// (RFC 8259 section 2), e.g. a `'` quote, a leading `+`, a byte order mark,
    /// a comment, or a misspelled literal.
    case unexpectedByte(UInt8, offset: Int)
    /// A trailing comma before `]` or `}`; `offset` is the comma's offset.
    case trailingComma(offset: Int)
    /// A malformed number (RFC 8259 section 6): leading zeros, a missing digit
    /// after `-`, `.` or the exponent marker. `offset` is where the number starts.
    case invalidNumber(offset: Int)
    /// A number that is syntactically valid but too large in magnitude to be
    /// represented as a finite `Double` (RFC 8259 section 6 permits this limit).
    case numberOutOfRange(offset: Int)
    /// A backslash escape that RFC 8259 section 7 does not define, or a
    /// `\u` escape without four hexadecimal digits. `offset` points at the backslash.
    case invalidEscape(offset: Int)
    /// A `\u` escape for a UTF-16 surrogate that is not part of a valid
    /// high/low pair (RFC 8259 section 7 and 8.2). `offset` points at the backslash.
    case loneSurrogate(offset: Int)
    /// Bytes that are not well-formed UTF-8 (RFC 8259 section 8.1, RFC 3629),
    /// including overlong forms and encoded surrogates.
    case invalidUTF8(offset: Int)
    /// An unescaped U+0000...U+001F inside a string (RFC 8259 section 7).
    case controlCharacterInString(offset: Int)
    /// Arrays and objects nested deeper than the configured maximum depth.
    /// `offset` points at the `[` or `{` that exceeded it.
    case tooDeep(offset: Int)
    /// An object contains the same name twice (RFC 8259 section 4 says names
    /// SHOULD be unique; this parser requires it). Names are compared code
    /// point by code point, as RFC 8259 section 8.3 describes. `offset` points at
    /// the second occurrence.
    case duplicateKey(String, offset: Int)
    /// Non-whitespace bytes after the single top-level value (RFC 8259 section 2).
    case trailingData(offset: Int)

    /// The byte offset the error refers to, or `nil` for `.unexpectedEnd`.
    public var offset: Int? {
        switch self {
        case .unexpectedEnd: return nil
        case .unexpectedByte(_, let o), .trailingComma(let o), .invalidNumber(let o),
             .numberOutOfRange(let o), .invalidEscape(let o), .loneSurrogate(let o),
             .invalidUTF8(let o), .controlCharacterInString(let o), .tooDeep(let o),
             .duplicateKey(_, let o), .trailingData(let o):
            return o
        }
    }

    /// A clear, human-readable explanation, e.g.
    /// `unexpected character '}' at byte offset 9`.
    public var description: String {
        switch self {
        case .unexpectedEnd:
            return "unexpected end of input; the JSON text is incomplete"
        case .unexpectedByte(let byte, let offset):
            return "unexpected \(Self.describe(byte: byte)) at byte offset \(offset)"
        case .trailingComma(let offset):
            return "trailing comma at byte offset \(offset) is not allowed in JSON"
        case .invalidNumber(let offset):
            return "invalid number at byte offset \(offset)"
        case .numberOutOfRange(let offset):
            return "number at byte offset \(offset) is too large to represent"
        case .invalidEscape(let offset):
            return "invalid escape sequence in string at byte offset \(offset)"
        case .loneSurrogate(let offset):
            return "unpaired UTF-16 surrogate escape in string at byte offset \(offset)"
        case .invalidUTF8(let offset):
            return "invalid UTF-8 at byte offset \(offset)"
        case .controlCharacterInString(let offset):
            return "unescaped control character in string at byte offset \(offset); "
                + "control characters must be written as escapes such as \\n or \\u0000"
        case .tooDeep(let offset):
            return "arrays and objects are nested too deeply at byte offset \(offset)"
        case .duplicateKey(let key, let offset):
            return "duplicate key \(Self.quote(key)) at byte offset \(offset)"
        case .trailingData(let offset):
            return "unexpected data after the JSON value at byte offset \(offset)"
        }
    }

    static func describe(byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F {
            return "character '\(Character(Unicode.Scalar(byte)))'"
        }
        return "byte 0x" + hex2(byte)
    }

    static func hex2(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }

    /// Quotes `text` as a JSON string, truncating very long keys so messages stay readable.
    static func quote(_ text: String) -> String {
        let limited = text.unicodeScalars.count > 64
            ? String(String.UnicodeScalarView(text.unicodeScalars.prefix(64))) + "…"
            : text
        var writer = JSONWriter()
        writer.write(limited)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
