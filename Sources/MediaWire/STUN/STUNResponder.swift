/// The ICE-lite side of connectivity checks and consent freshness (RFC 8445 §2.5, §7.3;
/// RFC 7675): answers Binding requests, never sends any. Pure logic: bytes in, action out.
///
/// Order of checks (RFC 8489 §6.3, §9.1.3; RFC 8445 §7.3):
/// 1. Not a STUN header, a response or an indication → drop silently.
/// 2. FINGERPRINT present but wrong → drop (the datagram is not STUN, RFC 8489 §7.3).
/// 3. Malformed body, missing FINGERPRINT/USERNAME/MESSAGE-INTEGRITY, a method other than
///    Binding → 400.
/// 4. USERNAME not `localUfrag:remoteUfrag` of a known session, or a wrong MESSAGE-INTEGRITY
///    → 401 (without integrity: the sender is not authenticated).
/// 5. Unknown comprehension-required attributes → 420 with UNKNOWN-ATTRIBUTES.
/// 6. Otherwise → success with XOR-MAPPED-ADDRESS of the source, MESSAGE-INTEGRITY keyed
///    with the local password, FINGERPRINT.
public struct STUNResponder: Sendable {
    /// The credentials of one local ICE session, as the SDP answer announced them.
    public struct Credentials: Sendable, Hashable {
        public var localUfrag: String
        public var localPassword: String

        public init(localUfrag: String, localPassword: String) {
            self.localUfrag = localUfrag
            self.localPassword = localPassword
        }
    }

    /// What a valid Binding request told us (RFC 8445 §7.3.1).
    public struct BindingRequest: Sendable, Hashable {
        public var transactionID: STUNTransactionID
        public var source: STUNTransportAddress
        public var localUfrag: String
        public var remoteUfrag: String
        /// USE-CANDIDATE: the controlling agent nominates this pair (the session's address).
        public var useCandidate: Bool
        /// PRIORITY of the peer-reflexive candidate the request would create.
        public var priority: UInt32?
        /// ICE-CONTROLLING tiebreaker; a full agent talking to a lite one must send it.
        public var iceControlling: UInt64?
        /// ICE-CONTROLLED tiebreaker: the peer thinks it is controlled too (a role conflict a
        /// lite agent cannot resolve; it is answered anyway, as RFC 8445 §7.3.1.1 lets a lite
        /// agent never switch roles).
        public var iceControlled: UInt64?
    }

    /// What to do with a datagram.
    public enum Action: Sendable, Hashable {
        /// Send `response` back to the source; `request` is what the peer asked.
        case success(response: [UInt8], request: BindingRequest)
        /// Send `response` (an error response) back; `error` says why.
        case error(response: [UInt8], code: Int, reason: STUNResponder.Rejection)
        /// Send nothing.
        case drop(STUNResponder.DropReason)
    }

    /// Why a request was answered with an error.
    public enum Rejection: Sendable, Hashable {
        case malformed(STUNError)
        case missingFingerprint
        case missingUsername
        case missingMessageIntegrity
        case unsupportedMethod(STUNMethod)
        case badUsername(String)
        case unknownUsername(localUfrag: String, remoteUfrag: String)
        case integrityMismatch
        case unknownAttributes([STUNAttributeType])
    }

    /// Why a datagram was dropped without an answer.
    public enum DropReason: Sendable, Hashable {
        case notSTUN(STUNError)
        case notARequest(STUNMessageClass)
        case badFingerprint(STUNError)
    }

    /// Put in SOFTWARE of every response when set (RFC 8489 §14.14).
    public var software: String?

    public init(software: String? = nil) {
        self.software = software
    }

    /// Comprehension-required attributes this responder understands.
    static let understood: Set<UInt16> = [
        STUNAttributeType.mappedAddress, .username, .messageIntegrity, .errorCode, .unknownAttributes,
        .realm, .nonce, .messageIntegritySHA256, .passwordAlgorithm, .userhash, .xorMappedAddress,
        .priority, .useCandidate,
    ].reduce(into: []) { $0.insert($1.rawValue) }

    /// Handles a datagram for a single session: `isKnownRemoteUfrag` says whether the
    /// remote ufrag in USERNAME belongs to the session's peer (RFC 8445 §7.3).
    public func respond(to datagram: UnsafeRawBufferPointer, from source: STUNTransportAddress,
                        localUfrag: String, localPassword: String,
                        isKnownRemoteUfrag: (Substring) -> Bool) -> Action {
        respond(to: datagram, from: source) { local, remote in
            local == localUfrag && isKnownRemoteUfrag(remote)
                ? Credentials(localUfrag: localUfrag, localPassword: localPassword) : nil
        }
    }

    /// Handles a datagram on a socket shared by many sessions: `credentials` maps the
    /// USERNAME halves (`localUfrag`, `remoteUfrag`) to the session's credentials, or nil.
    public func respond(to datagram: UnsafeRawBufferPointer, from source: STUNTransportAddress,
                        credentials: (_ localUfrag: Substring, _ remoteUfrag: Substring) -> Credentials?) -> Action {
        let header: STUNMessage.Header
        do { header = try STUNMessage.Header(parsing: datagram) } catch { return .drop(.notSTUN(error)) }
        guard header.type.messageClass == .request else { return .drop(.notARequest(header.type.messageClass)) }

        // A wrong FINGERPRINT means "not STUN": silence. Check it before anything answers.
        let message: STUNMessage
        do {
            message = try STUNMessage(parsing: datagram)
        } catch {
            return errorResponse(header, 400, "Bad Request", .malformed(error))
        }
        guard message.contains(.fingerprint) else {
            return errorResponse(header, 400, "Bad Request", .missingFingerprint)
        }
        do { try STUNMessage.verifyFingerprint(in: datagram) } catch { return .drop(.badFingerprint(error)) }
        guard header.type.method == .binding else {
            return errorResponse(header, 400, "Bad Request", .unsupportedMethod(header.type.method))
        }

        // Authentication (short-term credentials, RFC 8489 §9.1.3).
        guard message.contains(.messageIntegrity) else {
            return errorResponse(header, 400, "Bad Request", .missingMessageIntegrity)
        }
        let username: String
        do {
            guard let name = try message.username else {
                return errorResponse(header, 400, "Bad Request", .missingUsername)
            }
            username = name
        } catch {
            return errorResponse(header, 400, "Bad Request", .malformed(error))
        }
        guard let colon = username.firstIndex(of: ":") else {
            return errorResponse(header, 401, "Unauthorized", .badUsername(username))
        }
        let localPart = username[..<colon]
        let remotePart = username[username.index(after: colon)...]
        guard !localPart.isEmpty, !remotePart.isEmpty, let session = credentials(localPart, remotePart) else {
            return errorResponse(header, 401, "Unauthorized",
                                 .unknownUsername(localUfrag: String(localPart), remoteUfrag: String(remotePart)))
        }
        let key = Array(session.localPassword.utf8)
        do { try STUNMessage.verifyMessageIntegrity(in: datagram, key: key) } catch {
            return errorResponse(header, 401, "Unauthorized", .integrityMismatch)
        }

        // Authenticated from here on: answers carry integrity.
        let unknown = message.attributes.map(\.type).filter {
            $0.isComprehensionRequired && !Self.understood.contains($0.rawValue)
        }
        if !unknown.isEmpty {
            return errorResponse(header, 420, "Unknown Attribute", .unknownAttributes(unknown), key: key,
                                 extra: [.unknownAttributes(unknown)])
        }
        let request: BindingRequest
        do {
            request = BindingRequest(
                transactionID: header.transactionID, source: source,
                localUfrag: String(localPart), remoteUfrag: String(remotePart),
                useCandidate: message.useCandidate, priority: try message.priority,
                iceControlling: try message.iceControlling, iceControlled: try message.iceControlled)
        } catch {
            return errorResponse(header, 400, "Bad Request", .malformed(error), key: key)
        }

        var response = STUNMessage(type: .bindingSuccess, transactionID: header.transactionID)
        if let software { response.attributes.append(.software(software)) }
        response.attributes.append(.xorMappedAddress(source, transactionID: header.transactionID))
        return .success(response: response.serialized(integrityKey: key), request: request)
    }

    /// `[UInt8]` convenience for tests and tools.
    public func respond(to datagram: [UInt8], from source: STUNTransportAddress,
                        credentials: (_ localUfrag: Substring, _ remoteUfrag: Substring) -> Credentials?) -> Action {
        datagram.withUnsafeBytes { respond(to: $0, from: source, credentials: credentials) }
    }

    private func errorResponse(_ header: STUNMessage.Header, _ code: Int, _ phrase: String, _ why: Rejection,
                               key: [UInt8]? = nil, extra: [STUNAttribute] = []) -> Action {
        var response = STUNMessage(type: STUNMessageType(method: header.type.method, messageClass: .errorResponse),
                                   transactionID: header.transactionID)
        if let software { response.attributes.append(.software(software)) }
        response.attributes.append(.errorCode(code, reason: phrase))
        response.attributes.append(contentsOf: extra)
        return .error(response: response.serialized(integrityKey: key), code: code, reason: why)
    }
}
