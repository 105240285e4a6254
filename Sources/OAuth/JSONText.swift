/// A minimal JSON object writer for the few flat bodies OAuth answers with (RFC 8259).
///
/// Strings are escaped per RFC 8259 §7: `"`, `\` and U+0000–U+001F always; U+2028/U+2029 too,
/// so a body pasted into a script stays a string. Everything else is written as UTF-8.
struct JSONText {
    private(set) var bytes: [UInt8] = []
    private var needsComma = false

    init() { bytes.reserveCapacity(256) }

    mutating func beginObject() {
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    private mutating func key(_ name: String) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        JSONText.writeString(name, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
        needsComma = true
    }

    mutating func field(_ name: String, _ value: String) {
        key(name)
        JSONText.writeString(value, into: &bytes)
    }

    mutating func field(_ name: String, _ value: Int64) {
        key(name)
        bytes.append(contentsOf: Array(String(value).utf8))
    }

    mutating func field(_ name: String, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: Array((value ? "true" : "false").utf8))
    }

    static func writeString(_ string: String, into bytes: inout [UInt8]) {
        let hexDigits = Array("0123456789abcdef".utf8)
        bytes.append(UInt8(ascii: "\""))
        for scalar in string.unicodeScalars {
            switch scalar.value {
            case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x00...0x1F, 0x2028, 0x2029:
                let v = scalar.value
                bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"),
                                          hexDigits[Int(v >> 12 & 0xF)], hexDigits[Int(v >> 8 & 0xF)],
                                          hexDigits[Int(v >> 4 & 0xF)], hexDigits[Int(v & 0xF)]])
            default:
                UTF8.encode(scalar) { bytes.append($0) }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
