import Testing
@testable import MediaWire

@Suite("ICE-lite STUN responder")
struct STUNResponderTests {
    let responder = STUNResponder(software: "marquee")
    let local = STUNResponder.Credentials(localUfrag: "srv1", localPassword: "server-password-0123456789")
    let source = STUNTransportAddress(ipv4: 203, 0, 113, 7, port: 50_000)

    func request(username: String = "srv1:cli1", password: String? = nil, useCandidate: Bool = true,
                 extra: [STUNAttribute] = [], fingerprint: Bool = true) -> [UInt8] {
        var attributes: [STUNAttribute] = [.username(username), .priority(0x6e7f_1eff), .iceControlling(42)]
        if useCandidate { attributes.append(.useCandidate) }
        attributes += extra
        let m = STUNMessage(type: .bindingRequest, transactionID: .random(), attributes: attributes)
        return m.serialized(integrityKey: Array((password ?? local.localPassword).utf8), fingerprint: fingerprint)
    }

    func respond(_ bytes: [UInt8]) -> STUNResponder.Action {
        responder.respond(to: bytes, from: source) { l, r in l == "srv1" && r == "cli1" ? local : nil }
    }

    @Test func answersValidRequest() throws {
        let bytes = request()
        guard case .success(let response, let info) = respond(bytes) else {
            Issue.record("expected success, got \(respond(bytes))")
            return
        }
        let sent = try STUNMessage(parsing: bytes)
        #expect(info.useCandidate)
        #expect(info.remoteUfrag == "cli1")
        #expect(info.localUfrag == "srv1")
        #expect(info.priority == 0x6e7f_1eff)
        #expect(info.iceControlling == 42)
        #expect(info.source == source)
        let parsed = try STUNMessage(parsing: response)
        #expect(parsed.type == .bindingSuccess)
        #expect(parsed.transactionID == sent.transactionID)
        #expect(try parsed.xorMappedAddress == source)
        #expect(try parsed.software == "marquee")
        try STUNMessage.verifyMessageIntegrity(in: response, key: Array(local.localPassword.utf8))
        try STUNMessage.verifyFingerprint(in: response)
    }

    @Test func answersIPv6Source() throws {
        let v6 = try #require(STUNTransportAddress(addressBytes: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [5], port: 40_000))
        let action = responder.respond(to: request(useCandidate: false), from: v6) { _, _ in local }
        guard case .success(let response, let info) = action else {
            Issue.record("expected success, got \(action)")
            return
        }
        #expect(!info.useCandidate)
        #expect(try STUNMessage(parsing: response).xorMappedAddress == v6)
    }

    @Test func singleSessionConvenience() throws {
        let action = request().withUnsafeBytes {
            responder.respond(to: $0, from: source, localUfrag: "srv1", localPassword: local.localPassword) { $0 == "cli1" }
        }
        guard case .success = action else {
            Issue.record("expected success, got \(action)")
            return
        }
    }

    func expectError(_ action: STUNResponder.Action, _ code: Int, withIntegrity: Bool = false,
                     sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard case .error(let response, let got, _) = action else {
            Issue.record("expected error \(code), got \(action)", sourceLocation: sourceLocation)
            return
        }
        #expect(got == code, sourceLocation: sourceLocation)
        let parsed = try STUNMessage(parsing: response)
        #expect(parsed.type.messageClass == .errorResponse, sourceLocation: sourceLocation)
        #expect(try parsed.errorCode?.code == code, sourceLocation: sourceLocation)
        #expect(parsed.contains(.messageIntegrity) == withIntegrity, sourceLocation: sourceLocation)
        try STUNMessage.verifyFingerprint(in: response)
    }

    @Test func wrongPasswordIs401() throws {
        try expectError(respond(request(password: "not-the-password")), 401)
    }

    @Test func unknownUsernameIs401() throws {
        try expectError(respond(request(username: "srv1:someone-else")), 401)
        try expectError(respond(request(username: "other:cli1")), 401)
        try expectError(respond(request(username: "no-colon")), 401)
        try expectError(respond(request(username: ":")), 401)
    }

    @Test func missingPiecesAre400() throws {
        // No MESSAGE-INTEGRITY.
        let noMI = STUNMessage(type: .bindingRequest, transactionID: .random(), attributes: [.username("srv1:cli1")])
            .serialized(integrityKey: nil)
        try expectError(respond(noMI), 400)
        // No USERNAME.
        let noUser = STUNMessage(type: .bindingRequest, transactionID: .random(), attributes: [])
            .serialized(integrityKey: Array(local.localPassword.utf8))
        try expectError(respond(noUser), 400)
        // No FINGERPRINT.
        try expectError(respond(request(fingerprint: false)), 400)
        // Malformed body (attribute overrun) with a good header.
        var broken = request()
        broken[22] = 0x0F
        try expectError(respond(broken), 400)
        // PRIORITY of the wrong size: authenticated, so the 400 carries integrity.
        let badPriority = STUNMessage(type: .bindingRequest, transactionID: .random(),
                                      attributes: [.username("srv1:cli1"), STUNAttribute(type: .priority, value: [1])])
            .serialized(integrityKey: Array(local.localPassword.utf8))
        try expectError(respond(badPriority), 400, withIntegrity: true)
        // A method other than Binding.
        let allocate = STUNMessage(type: STUNMessageType(method: STUNMethod(rawValue: 3), messageClass: .request),
                                   transactionID: .random(), attributes: [.username("srv1:cli1")])
            .serialized(integrityKey: Array(local.localPassword.utf8))
        try expectError(respond(allocate), 400)
    }

    @Test func unknownComprehensionRequiredIs420() throws {
        let action = respond(request(extra: [STUNAttribute(type: STUNAttributeType(rawValue: 0x7001), value: [1, 2])]))
        try expectError(action, 420, withIntegrity: true)
        if case .error(let response, _, _) = action {
            #expect(try STUNMessage(parsing: response).unknownAttributes == [STUNAttributeType(rawValue: 0x7001)])
        }
        // Comprehension-optional unknowns (like Chrome's GOOG-NETWORK-INFO 0xC057) are fine.
        let optional = respond(request(extra: [STUNAttribute(type: STUNAttributeType(rawValue: 0xC057), value: [0, 1, 0, 5])]))
        guard case .success = optional else {
            Issue.record("expected success, got \(optional)")
            return
        }
    }

    @Test func dropsWhatMustNotBeAnswered() throws {
        // Garbage, too short, RTP-looking, wrong cookie.
        for bytes: [UInt8] in [[], [0, 1, 2], [0x80, 0x60] + [UInt8](repeating: 0, count: 30), Array(RFC5769.sampleRequest.prefix(4)) + [1, 2, 3, 4] + RFC5769.sampleRequest.dropFirst(8)] {
            guard case .drop = respond(bytes) else {
                Issue.record("expected drop for \(bytes.prefix(8))")
                continue
            }
        }
        // Responses and indications.
        let success = STUNMessage(type: .bindingSuccess, transactionID: .random()).serialized(integrityKey: nil)
        #expect(respond(success) == .drop(.notARequest(.successResponse)))
        #expect(respond(RFC5769.ipv4Response) == .drop(.notARequest(.successResponse)))
        let indication = STUNMessage(type: .bindingIndication, transactionID: .random()).serialized(integrityKey: nil)
        #expect(respond(indication) == .drop(.notARequest(.indication)))
        // A bad FINGERPRINT means "not STUN".
        var bad = request()
        bad[bad.count - 1] ^= 1
        guard case .drop(.badFingerprint) = respond(bad) else {
            Issue.record("expected a fingerprint drop")
            return
        }
    }

    @Test func rfc5769RequestWithItsPassword() throws {
        let action = responder.respond(to: RFC5769.sampleRequest, from: source) { l, r in
            l == "evtj" && r == "h6vY" ? .init(localUfrag: "evtj", localPassword: RFC5769.password) : nil
        }
        guard case .success(_, let info) = action else {
            Issue.record("expected success, got \(action)")
            return
        }
        #expect(info.iceControlled == 0x932f_f9b1_5126_3b36)
        #expect(info.priority == 0x6e00_01ff)
    }
}
