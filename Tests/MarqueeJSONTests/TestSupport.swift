import MarqueeJSON
@_exported import TestSupport

/// The UTF-8 bytes of `text`.
func utf8(_ text: String) -> [UInt8] {
    Array(text.utf8)
}

/// Renders bytes for failure messages: printable ASCII as is, everything else as `\xNN`.
func show(_ bytes: [UInt8]) -> String {
    var result = ""
    for byte in bytes {
        if byte >= 0x20 && byte < 0x7F {
            result.append(Character(Unicode.Scalar(byte)))
        } else {
            let hex = String(byte, radix: 16, uppercase: true)
            result += "\\x" + (hex.count == 1 ? "0" + hex : hex)
        }
    }
    return result
}

/// Structural equality that also tells `0.0` from `-0.0` (by bit pattern).
func identical(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.double(let x), .double(let y)): return x.bitPattern == y.bitPattern
    case (.array(let xs), .array(let ys)):
        return xs.count == ys.count && zip(xs, ys).allSatisfy { identical($0, $1) }
    case (.object(let xs), .object(let ys)):
        return xs.count == ys.count && zip(xs, ys).allSatisfy { Array($0.key.utf8) == Array($1.key.utf8) && identical($0.value, $1.value) }
    default: return a == b
    }
}

/// Parses and returns the error, or `nil` when parsing succeeded.
func parseError(_ bytes: [UInt8], maxDepth: Int = JSONValue.defaultMaxDepth) -> JSONError? {
    do {
        _ = try JSONValue(parsing: bytes, maxDepth: maxDepth)
        return nil
    } catch {
        return error
    }
}

/// Nested arrays `[[...]]` of the given depth.
func nestedArrays(_ depth: Int) -> [UInt8] {
    Array(repeating: UInt8(ascii: "["), count: depth) + Array(repeating: UInt8(ascii: "]"), count: depth)
}
