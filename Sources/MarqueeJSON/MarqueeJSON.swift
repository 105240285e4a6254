// MarqueeJSON: a strict RFC 8259 JSON reader/writer and a fast Codable bridge,
// with no dependencies beyond the Swift standard library.
//
// - `JSONValue` / `JSONObject`: the in-memory tree; `JSONValue(parsing:)` is the
//   strict parser (errors are `JSONError` with byte offsets).
// - `JSONWriter`: compact output with automatic commas and RFC 8259 escaping.
// - `JSONEncoding`: `Encodable` straight to bytes, no intermediate tree.
// - `JSONDecoding`: bytes → `JSONValue` → `Decodable`, with strict type rules,
//   optional unknown-key rejection and `JSONDecodingError` messages for API users.
//
// Shared helpers for coding paths live below.

/// A coding key made from a string or an index (for paths and dynamic keys).
struct AnyCodingKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// One step of a coding path: an object key or an array index.
enum PathComponent {
    case key(String)
    case index(Int)

    var codingKey: any CodingKey {
        switch self {
        case .key(let key): return AnyCodingKey(stringValue: key)
        case .index(let index): return AnyCodingKey(intValue: index)
        }
    }

    /// Renders components as `items[2].name`. Keys that are empty or contain
    /// characters used by the notation itself are shown quoted: `["a.b"]`.
    static func render(_ components: some Sequence<PathComponent>) -> String {
        var result = ""
        for component in components {
            switch component {
            case .index(let index):
                result += "[\(index)]"
            case .key(let key):
                let plain = !key.isEmpty && key.utf8.allSatisfy { byte in
                    byte > 0x20 && byte != UInt8(ascii: ".") && byte != UInt8(ascii: "[")
                        && byte != UInt8(ascii: "]") && byte != UInt8(ascii: "'") && byte != UInt8(ascii: "\"")
                }
                if plain {
                    if !result.isEmpty { result += "." }
                    result += key
                } else {
                    var writer = JSONWriter()
                    writer.write(key)
                    result += "[" + String(decoding: writer.bytes, as: UTF8.self) + "]"
                }
            }
        }
        return result
    }

    /// Renders a `CodingKey` path produced by any encoder or decoder.
    static func render(codingPath: [any CodingKey]) -> String {
        render(codingPath.map { key in key.intValue.map(PathComponent.index) ?? .key(key.stringValue) })
    }
}
