import Testing
import TestSupport
@testable import MediaWire

@Suite("Fuzz: STUN")
struct STUNFuzzTests {
    @Test func parseSerializeParse() async throws {
        try await onOwnThread {
            var rng = SplitMix64(seed: Fuzz.seed)
            let key = Array(RFC5769.password.utf8)
            let request = STUNMessage(type: .bindingRequest, transactionID: STUNTransactionID(high: 1, low: 2), attributes: [
                .username("srv:cli"), .priority(1), .iceControlling(3), .useCandidate,
                STUNAttribute(type: STUNAttributeType(rawValue: 0xC057), value: [0, 1, 0, 5]),
            ]).serialized(integrityKey: Array("pw".utf8))
            let seeds = [RFC5769.sampleRequest, RFC5769.ipv4Response, RFC5769.ipv6Response, request]
            let responder = STUNResponder(software: "fuzz")
            let source = STUNTransportAddress(ipv4: 10, 0, 0, 1, port: 1)
            var parsed = 0
            for _ in 0..<Fuzz.iterations {
                let bytes = Fuzz.input(&rng, seeds: seeds, firstBytes: 0...3, maxRandomLength: 120)
                // The responder must never crash and only ever answer with well-formed STUN.
                switch responder.respond(to: bytes, from: source, credentials: { _, _ in .init(localUfrag: "srv", localPassword: "pw") }) {
                case .success(let response, _), .error(let response, _, _):
                    _ = try STUNMessage(parsing: response)
                case .drop:
                    break
                }
                guard let message = try? STUNMessage(parsing: bytes) else { continue }
                parsed += 1
                // Typed accessors and verifiers must not crash on whatever parsed.
                _ = try? message.username
                _ = try? message.xorMappedAddress
                _ = try? message.mappedAddress
                _ = try? message.errorCode
                _ = try? message.unknownAttributes
                _ = try? message.priority
                _ = try? message.messageIntegritySHA256
                _ = try? STUNMessage.verifyMessageIntegrity(in: bytes, key: key)
                _ = try? STUNMessage.verifyFingerprint(in: bytes)
                let again = try STUNMessage(parsing: message.serialized())
                #expect(again == message)
                if again != message { return }
            }
            #expect(parsed > Fuzz.iterations / 20, "too few inputs parsed (\(parsed)): the fuzzer is not reaching the parser")
        }
    }
}
