import MarqueeCore
import Testing
import TestSupport
import Webhooks

/// Random and mutated inputs for every parser: none may crash, and whatever parses must
/// round-trip through its printed form. Seeded, so a failure reproduces.
@Suite("parser fuzzing")
struct ParserFuzzTests {
    static let iterations = 20_000

    /// Random text: mostly characters that matter to the parsers, sometimes any byte.
    static func randomText(_ rng: inout SplitMix64, alphabet: [UInt8], maxLength: Int) -> String {
        let length = Int.random(in: 0...maxLength, using: &rng)
        var bytes: [UInt8] = []
        for _ in 0..<length {
            if Int.random(in: 0..<20, using: &rng) == 0 {
                bytes.append(UInt8.random(in: 0...255, using: &rng))
            } else {
                bytes.append(alphabet.randomElement(using: &rng)!)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A seed with a few random edits (insert, delete, replace, duplicate a slice).
    static func mutate(_ seed: String, _ rng: inout SplitMix64, alphabet: [UInt8]) -> String {
        var bytes = Array(seed.utf8)
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0...bytes.count, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: bytes.insert(alphabet.randomElement(using: &rng)!, at: position)
            case 1: if position < bytes.count { bytes.remove(at: position) }
            case 2: if position < bytes.count { bytes[position] = alphabet.randomElement(using: &rng)! }
            default:
                if position < bytes.count {
                    let end = min(bytes.count, position + Int.random(in: 1...6, using: &rng))
                    bytes.insert(contentsOf: bytes[position..<end], at: position)
                }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func inputs(seeds: [String], alphabet: String, maxLength: Int, seed: UInt64) -> [String] {
        var rng = SplitMix64(seed: seed)
        let letters = Array(alphabet.utf8)
        return (0..<iterations).map { i in
            i % 2 == 0 ? randomText(&rng, alphabet: letters, maxLength: maxLength)
                       : mutate(seeds.randomElement(using: &rng)!, &rng, alphabet: letters)
        }
    }

    @Test func ipAddresses() async throws {
        await onOwnThread {
            let seeds = ["127.0.0.1", "::1", "::ffff:1.2.3.4", "2001:db8::1", "[fe80::1]", "1:2:3:4:5:6:7:8", "0.0.0.0", "255.255.255.255",
                         "64:ff9b::10.0.0.1", "::"]
            var parsed = 0
            for text in Self.inputs(seeds: seeds, alphabet: "0123456789abcdefABCDEF.:[]%x/ -", maxLength: 48, seed: 1) {
                guard let address = IPAddress(text) else { continue }
                parsed += 1
                #expect(IPAddress(address.description) == address, "\(text) -> \(address)")
                if case .v6(let bytes) = address { #expect(bytes.count == 16) }
                _ = AddressPolicy().refusal(for: address)
                _ = AddressPolicy.embeddedIPv4(in: address)
            }
            #expect(parsed > 500, "the fuzzer reaches valid addresses too (\(parsed))")
        }
    }

    @Test func networks() async throws {
        await onOwnThread {
            let seeds = ["10.0.0.0/8", "fc00::/7", "::1/128", "0.0.0.0/0", "192.168.1.1", "2001:db8::/32"]
            var parsed = 0
            for text in Self.inputs(seeds: seeds, alphabet: "0123456789abcdef.:/", maxLength: 48, seed: 2) {
                guard let network = IPNetwork(cidr: text) else { continue }
                parsed += 1
                #expect(IPNetwork(cidr: network.description) == network, "\(text)")
                #expect(network.contains(network.address))
            }
            #expect(parsed > 500, "\(parsed)")
            _ = try? AddressPolicy.parseAllowList(Self.inputs(seeds: seeds, alphabet: "0123456789abcdef.:/, ", maxLength: 60, seed: 3).joined())
        }
    }

    @Test func urls() async throws {
        await onOwnThread {
            let seeds = ["https://hooks.example.com/marquee?x=1", "http://127.0.0.1:8080/", "http://[::1]:9/h", "HTTP://A.B", "https://x_y.z:443",
                         "http://user@host/", "ftp://x/"]
            var parsed = 0
            for text in Self.inputs(seeds: seeds, alphabet: "abcdefhpstxyzHTPS0123456789:/?#@[].-_%+ ", maxLength: 64, seed: 4) {
                guard let url = try? WebhookURL(validating: text) else { continue }
                parsed += 1
                #expect(url.scheme == "http" || url.scheme == "https")
                #expect((1...65535).contains(url.port))
                #expect(url.pathAndQuery.hasPrefix("/"))
                #expect(!url.host.isEmpty && url.host == url.host.lowercased())
                #expect(url.text.utf8.count <= WebhookURL.maximumLength)
                #expect((try? WebhookURL(validating: url.text)) == url, "\(text) -> \(url.text)")
            }
            #expect(parsed > 500, "\(parsed)")
            // Long inputs around the length limit.
            var rng = SplitMix64(seed: 5)
            for _ in 0..<200 {
                let path = String(repeating: "a", count: Int.random(in: 2000...2100, using: &rng))
                if let url = try? WebhookURL(validating: "http://e.co" + (Bool.random(using: &rng) ? "/" : "?") + path) {
                    #expect(url.text.utf8.count <= WebhookURL.maximumLength)
                }
            }
        }
    }

    @Test func retryAfterValues() async throws {
        await onOwnThread {
            let now = Timestamp(milliseconds: 1_790_000_000_000)
            let seeds = ["120", "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
                         "Wed, 21 Oct 2026 07:28:00 GMT", "0"]
            for text in Self.inputs(seeds: seeds, alphabet: "0123456789 ,:-SundayNovGMTWedOct", maxLength: 40, seed: 6) {
                if let millis = RetryAfter.millis(text, now: now) { #expect(millis >= 0, "\(text)") }
            }
        }
    }

    @Test func secrets() async throws {
        await onOwnThread {
            let seeds = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fA==",
                         "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="]
            var parsed = 0
            for text in Self.inputs(seeds: seeds, alphabet: "whsec_ABCDEFabcdef0123456789+/=-", maxLength: 100, seed: 7) {
                guard let secret = WebhookSecret(text) else { continue }
                parsed += 1
                #expect(WebhookSecret.byteCounts.contains(secret.bytes.count))
                #expect(WebhookSecret(secret.text) == secret, "\(text)")
            }
            #expect(parsed > 100, "\(parsed)")
            // Random headers never verify and never crash.
            let secret = WebhookSecret.generate()
            for header in Self.inputs(seeds: ["v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="], alphabet: "v1,a+/= ", maxLength: 120, seed: 8) {
                #expect(!WebhookSignature.verify(id: "msg_1", timestamp: 1, body: [], header: header, secret: secret, now: 1))
            }
        }
    }

    @Test func retrySchedules() async throws {
        await onOwnThread {
            for text in Self.inputs(seeds: ["0,5,300", "0.2, 1.5", "36000"], alphabet: "0123456789., -", maxLength: 30, seed: 9) {
                guard let policy = try? RetryPolicy(parsing: text) else { continue }
                #expect(!policy.delaysMillis.isEmpty)
                #expect(policy.delaysMillis.allSatisfy { $0 >= 0 && $0 <= RetryPolicy.maximumDelayMillis }, "\(text)")
            }
        }
    }

    @Test func eventTypeFilters() async throws {
        await onOwnThread {
            let known: Set<String> = ["chat.message.sent", "gift.sent", "ping"]
            for text in Self.inputs(seeds: ["chat.*", "gift.sent", "*"], alphabet: "chatgifsenp.*", maxLength: 20, seed: 10) {
                guard let filter = try? EventTypeFilter(patterns: [text], knownTypes: known) else { continue }
                #expect(known.contains { filter.matches($0) }, "\(text) selects some known type")
            }
        }
    }
}
