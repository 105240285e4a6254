import MarqueeJSON
import Testing

/// Generates random `JSONValue` trees from a seeded `SplitMix64`.
struct ValueGenerator {
    var rng: SplitMix64

    /// Scalars chosen to stress escaping and UTF-8: controls, quote, backslash,
    /// slash, DEL, two/three/four-byte characters, a combining mark, U+2028, BOM, U+FFFF.
    static let interestingScalars: [Unicode.Scalar] = [
        "\u{0}", "\u{1}", "\u{8}", "\u{9}", "\u{A}", "\u{C}", "\u{D}", "\u{1F}", "\"", "\\", "/", "\u{7F}",
        "a", "Z", "0", " ", "é", "ß", "€", "\u{301}", "\u{2028}", "\u{FEFF}", "\u{FFFF}", "😀", "𝄞", "\u{10FFFF}",
    ]

    static let interestingIntegers: [Int64] = [0, 1, -1, 9, 10, 99, 100, .max, .min, .max - 1, .min + 1, 1 << 53, -(1 << 53)]

    static let interestingDoubles: [Double] = [
        0.0, -0.0, 0.1, 1.0, -1.5, 1e16, 1e-7, 123.456, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
        .leastNonzeroMagnitude, .leastNormalMagnitude, 9_007_199_254_740_992, 9_007_199_254_740_994, 1e21, 1e22, 1e23,
    ]

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        Int.random(in: range, using: &rng)
    }

    mutating func string() -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<int(0...12) {
            if int(0...2) == 0 {
                scalars.append(Self.interestingScalars[int(0...Self.interestingScalars.count - 1)])
            } else {
                // Any scalar value except surrogates.
                var value = UInt32.random(in: 0...0x10FFFF, using: &rng)
                if int(0...3) > 0 { value %= 0x80 }
                if (0xD800...0xDFFF).contains(value) { value = 0x41 }
                scalars.append(Unicode.Scalar(value)!)
            }
        }
        return String(scalars)
    }

    mutating func double() -> Double {
        switch int(0...2) {
        case 0: return Self.interestingDoubles[int(0...Self.interestingDoubles.count - 1)]
        case 1: return Double(int(-1_000_000...1_000_000)) / Double(int(1...1000))
        default:
            while true {
                let candidate = Double(bitPattern: rng.next())
                if candidate.isFinite { return candidate }
            }
        }
    }

    mutating func value(depth: Int) -> JSONValue {
        let kind = depth <= 0 ? int(0...4) : int(0...6)
        switch kind {
        case 0: return .null
        case 1: return .bool(int(0...1) == 1)
        case 2:
            if int(0...1) == 0 { return .integer(Self.interestingIntegers[int(0...Self.interestingIntegers.count - 1)]) }
            return .integer(Int64(bitPattern: rng.next()) >> UInt64(int(0...63)))
        case 3: return .double(double())
        case 4: return .string(string())
        case 5: return .array((0..<int(0...5)).map { _ in value(depth: depth - 1) })
        default:
            var object = JSONObject()
            for _ in 0..<int(0...5) { object[string()] = value(depth: depth - 1) }  // the setter keeps keys unique
            return .object(object)
        }
    }
}

@Suite("Randomized properties")
struct PropertyTests {
    @Test func serializeThenParseIsIdentity() throws {
        var generator = ValueGenerator(rng: SplitMix64(seed: 0x5EED_0001))
        for iteration in 0..<2_000 {
            let value = generator.value(depth: 4)
            let bytes = value.serialized()
            let parsed: JSONValue
            do {
                parsed = try JSONValue(parsing: bytes)
            } catch {
                Issue.record("case \(iteration): \(error) for \(show(bytes))")
                continue
            }
            #expect(identical(parsed, value), "case \(iteration): \(show(bytes))")
            // The public JSONWriter and the internal buffer used by serialized() must agree byte for byte.
            var writer = JSONWriter()
            writer.write(value)
            #expect(writer.bytes == bytes, "case \(iteration)")
        }
    }

    @Test func codableRoundTripOfRandomValues() throws {
        var generator = ValueGenerator(rng: SplitMix64(seed: 0x5EED_0002))
        for iteration in 0..<500 {
            let value = generator.value(depth: 3)
            let bytes = try JSONEncoding.encode(["payload": value, "copy": [value]])
            let decoded = try JSONDecoding.decode([String: JSONValue].self, from: bytes)
            #expect(decoded["payload"].map { identical($0, value) } == true, "case \(iteration)")
            #expect(decoded["copy"].map { identical($0, [value]) } == true, "case \(iteration)")
        }
    }

    @Test func mutatedDocumentsNeverCrash() {
        let seeds: [[UInt8]] = [
            utf8(#"{"giftId":"g_1","streamId":null,"quantity":3,"tokens":-300,"message":"hi \"there\" 🌹","#
                + #""ratio":1.5e-3,"tags":["a","b"],"nested":{"ok":true,"list":[[],{}]}}"#),
            utf8(#"[0,-0.0,1e308,"\u00e9\uD83D\uDE00\n",true,false,null,{"":[]}]"#),
            utf8(#"  {"k" : [ 1 , 2 , { "z" : "\\" } ] }  "#),
        ]
        var rng = SplitMix64(seed: 0x5EED_0003)
        let interesting: [UInt8] = Array(#"{}[],:"\-+.eE0129tfnu "#.utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xBF, 0xC3, 0xED, 0xF0, 0xFF]
        var accepted = 0
        var rejected = 0
        for iteration in 0..<5_000 {
            var bytes = seeds[iteration % seeds.count]
            for _ in 0..<Int.random(in: 1...4, using: &rng) where !bytes.isEmpty {
                let position = Int.random(in: 0..<bytes.count, using: &rng)
                let byte = Bool.random(using: &rng)
                    ? interesting[Int.random(in: 0..<interesting.count, using: &rng)]
                    : UInt8.random(in: 0...255, using: &rng)
                switch Int.random(in: 0...3, using: &rng) {
                case 0: bytes[position] = byte
                case 1: bytes.insert(byte, at: position)
                case 2: bytes.remove(at: position)
                default:
                    let end = min(bytes.count, position + Int.random(in: 1...8, using: &rng))
                    bytes.insert(contentsOf: bytes[position..<end], at: position)
                }
            }
            do {
                let value = try JSONValue(parsing: bytes)
                accepted += 1
                // Whatever is accepted must serialize to something that parses back to the same value.
                let again = try JSONValue(parsing: value.serialized())
                #expect(identical(again, value), "case \(iteration): \(show(bytes))")
            } catch {
                rejected += 1
                if let offset = error.offset {
                    #expect(offset >= 0 && offset <= bytes.count, "case \(iteration): \(error) for \(show(bytes))")
                }
                #expect(!error.description.isEmpty)
            }
        }
        // Both outcomes must actually occur, or the mutations are not exercising the parser.
        #expect(accepted > 100)
        #expect(rejected > 1_000)
    }
}
