// Stream-related attribute values of media sections: sources (RFC 5576), msid (RFC 8830),
// rid (RFC 8851), simulcast (RFC 8853) and ICE candidates (RFC 8839). Each parses from the text
// after `a=name:` and writes back as `sdpValue`.

/// `a=ssrc:<ssrc> <attribute>[:<value>]` (RFC 5576 §4.1), e.g. `1234 cname:abc`.
public struct SDPSsrcAttribute: Hashable, Sendable {
    public var ssrc: UInt32
    public var attribute: String
    public var value: String?

    public init(ssrc: UInt32, attribute: String, value: String? = nil) {
        self.ssrc = ssrc
        self.attribute = attribute
        self.value = value
    }

    init(parsing text: SDPText.Bytes) throws(SDPFieldError) {
        let (head, rest) = SDPText.splitOnce(text, at: SDPText.space)
        guard let ssrc = SDPText.decimal(head, maximum: UInt64(UInt32.max)) else { throw SDPFieldError("SSRC must be a 32-bit number") }
        guard let rest else { throw SDPFieldError("missing source attribute") }
        let (name, value) = SDPText.splitOnce(SDPText.trimLeadingSpaces(rest), at: SDPText.colon)
        guard SDPText.isToken(name) else { throw SDPFieldError("invalid source attribute name") }
        self.ssrc = UInt32(ssrc)
        attribute = SDPText.string(name)
        self.value = value.map(SDPText.string)
    }

    public var sdpValue: String {
        if let value { "\(ssrc) \(attribute):\(value)" } else { "\(ssrc) \(attribute)" }
    }
}

/// `a=ssrc-group:<semantics> <ssrc> …` (RFC 5576 §4.2), e.g. `FID 1 2` (media + RTX).
public struct SDPSsrcGroup: Hashable, Sendable {
    public var semantics: String
    public var ssrcs: [UInt32]

    public init(semantics: String, ssrcs: [UInt32]) {
        self.semantics = semantics
        self.ssrcs = ssrcs
    }

    init(parsing value: SDPText.Bytes) throws(SDPFieldError) {
        let fields = SDPText.tokens(value)
        guard fields.count >= 2, SDPText.isToken(fields[0]) else { throw SDPFieldError("expected '<semantics> <ssrc> …'") }
        semantics = SDPText.string(fields[0])
        var ssrcs: [UInt32] = []
        for field in fields.dropFirst() {
            guard let ssrc = SDPText.decimal(field, maximum: UInt64(UInt32.max)) else { throw SDPFieldError("SSRC must be a 32-bit number") }
            ssrcs.append(UInt32(ssrc))
        }
        self.ssrcs = ssrcs
    }

    public var sdpValue: String { ([semantics] + ssrcs.map(String.init)).joined(separator: " ") }
}

/// `a=msid:<stream id> [<track id>]` (RFC 8830 §2).
public struct SDPMsid: Hashable, Sendable {
    public var streamID: String
    public var trackID: String?

    public init(streamID: String, trackID: String? = nil) {
        self.streamID = streamID
        self.trackID = trackID
    }

    init(parsing value: SDPText.Bytes) throws(SDPFieldError) {
        let fields = SDPText.tokens(value)
        guard fields.count == 1 || fields.count == 2 else { throw SDPFieldError("expected '<stream id> [<track id>]'") }
        streamID = SDPText.string(fields[0])
        trackID = fields.count == 2 ? SDPText.string(fields[1]) : nil
    }

    public var sdpValue: String { trackID.map { "\(streamID) \($0)" } ?? streamID }
}

/// The direction of an `a=rid` line: the offerer's `send` is answered with `recv`.
public enum SDPRidDirection: String, Hashable, Sendable {
    case send, recv
}

/// `a=rid:<id> <send|recv> [<restrictions>]` (RFC 8851 §4), e.g. `h send max-width=640`.
public struct SDPRid: Hashable, Sendable {
    public var id: String
    public var direction: SDPRidDirection
    /// `pt=96,97;max-width=1280` split at `;`.
    public var restrictions: [SDPParameter]

    public init(id: String, direction: SDPRidDirection, restrictions: [SDPParameter] = []) {
        self.id = id
        self.direction = direction
        self.restrictions = restrictions
    }

    init(parsing value: SDPText.Bytes) throws(SDPFieldError) {
        let fields = SDPText.tokens(value)
        guard fields.count == 2 || fields.count == 3 else { throw SDPFieldError("expected '<rid> <send|recv> [<restrictions>]'") }
        guard SDPRid.isValidID(fields[0]) else { throw SDPFieldError("rid must be 1–64 letters, digits, '-' or '_' (RFC 8851 §10)") }
        guard let direction = SDPRidDirection(rawValue: SDPText.string(fields[1])) else {
            throw SDPFieldError("rid direction must be 'send' or 'recv'")
        }
        id = SDPText.string(fields[0])
        self.direction = direction
        restrictions = fields.count == 3 ? SDPParameter.list(SDPText.string(fields[2])) : []
        if restrictions.contains(where: { $0.name.isEmpty || !SDPText.isField($0.sdpValue) }) {
            throw SDPFieldError("malformed rid restriction")
        }
    }

    /// The payload types a `pt=` restriction allows, or `nil` if there is none.
    public var payloadTypes: [UInt8]? {
        guard let list = restrictions.first(where: { $0.name == "pt" })?.value else { return nil }
        return list.split(separator: ",").compactMap { UInt8($0) }
    }

    static func isValidID(_ bytes: SDPText.Bytes) -> Bool {
        (1...64).contains(bytes.count) && bytes.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x5F
        }
    }

    public var sdpValue: String {
        var text = "\(id) \(direction.rawValue)"
        if !restrictions.isEmpty { text += " " + restrictions.map(\.sdpValue).joined(separator: ";") }
        return text
    }
}

/// One rid in an `a=simulcast` list; `~` marks it paused (RFC 8853 §5.1).
public struct SDPSimulcastStream: Hashable, Sendable {
    public var rid: String
    public var paused: Bool

    public init(rid: String, paused: Bool = false) {
        self.rid = rid
        self.paused = paused
    }

    var sdpValue: String { paused ? "~\(rid)" : rid }
}

/// `a=simulcast:send q;h;f [recv …]` (RFC 8853 §5.1). Each list holds alternatives separated
/// by `;`; within one, `,` separates rids the sender may choose among.
public struct SDPSimulcast: Hashable, Sendable {
    public var send: [[SDPSimulcastStream]]
    public var recv: [[SDPSimulcastStream]]

    public init(send: [[SDPSimulcastStream]] = [], recv: [[SDPSimulcastStream]] = []) {
        self.send = send
        self.recv = recv
    }

    init(parsing value: SDPText.Bytes) throws(SDPFieldError) {
        let fields = SDPText.tokens(value)
        guard fields.count == 2 || fields.count == 4 else { throw SDPFieldError("expected 'send <list>' and/or 'recv <list>'") }
        var send: [[SDPSimulcastStream]]?
        var recv: [[SDPSimulcastStream]]?
        for pair in stride(from: 0, to: fields.count, by: 2) {
            let list = try SDPSimulcast.streams(fields[pair + 1])
            switch SDPText.string(fields[pair]) {
            case "send" where send == nil: send = list
            case "recv" where recv == nil: recv = list
            default: throw SDPFieldError("direction must be 'send' or 'recv', each at most once")
            }
        }
        self.send = send ?? []
        self.recv = recv ?? []
    }

    private static func streams(_ bytes: SDPText.Bytes) throws(SDPFieldError) -> [[SDPSimulcastStream]] {
        var result: [[SDPSimulcastStream]] = []
        for alternative in bytes.split(separator: SDPText.semicolon, omittingEmptySubsequences: false) {
            var streams: [SDPSimulcastStream] = []
            for item in alternative.split(separator: SDPText.comma, omittingEmptySubsequences: false) {
                let paused = item.first == 0x7E
                let rid = paused ? item.dropFirst() : item
                guard SDPRid.isValidID(rid) else { throw SDPFieldError("invalid rid in simulcast list") }
                streams.append(SDPSimulcastStream(rid: SDPText.string(rid), paused: paused))
            }
            result.append(streams)
        }
        return result
    }

    /// Every rid of the send list, in order (first alternative of each stream first).
    public var sendRids: [String] { send.flatMap { $0.map(\.rid) } }

    public var sdpValue: String {
        func list(_ streams: [[SDPSimulcastStream]]) -> String {
            streams.map { $0.map(\.sdpValue).joined(separator: ",") }.joined(separator: ";")
        }
        var parts: [String] = []
        if !send.isEmpty { parts.append("send \(list(send))") }
        if !recv.isEmpty { parts.append("recv \(list(recv))") }
        return parts.joined(separator: " ")
    }
}

/// An extension pair at the end of a candidate (`generation 0`, `network-cost 999`, …).
public struct SDPCandidateExtension: Hashable, Sendable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// `a=candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> …`
/// (RFC 8839 §5.1).
public struct SDPCandidate: Hashable, Sendable {
    public var foundation: String
    public var component: UInt16
    /// As written (`udp`, `UDP`, `tcp`).
    public var transport: String
    public var priority: UInt32
    /// An IP address or, from browsers hiding local addresses, an mDNS `….local` name.
    public var address: String
    public var port: UInt16
    /// `host`, `srflx`, `prflx`, `relay`.
    public var type: String
    public var relatedAddress: String?
    public var relatedPort: UInt16?
    public var extensions: [SDPCandidateExtension]

    public init(foundation: String, component: UInt16 = 1, transport: String = "udp", priority: UInt32,
                address: String, port: UInt16, type: String = "host", relatedAddress: String? = nil,
                relatedPort: UInt16? = nil, extensions: [SDPCandidateExtension] = []) {
        self.foundation = foundation
        self.component = component
        self.transport = transport
        self.priority = priority
        self.address = address
        self.port = port
        self.type = type
        self.relatedAddress = relatedAddress
        self.relatedPort = relatedPort
        self.extensions = extensions
    }

    init(parsing value: SDPText.Bytes) throws(SDPFieldError) {
        let fields = SDPText.tokens(value)
        guard fields.count >= 8, fields[6].elementsEqual("typ".utf8) else {
            throw SDPFieldError("expected '<foundation> <component> <transport> <priority> <address> <port> typ <type>'")
        }
        guard (1...32).contains(fields[0].count) else { throw SDPFieldError("foundation must be 1–32 characters") }
        guard let component = SDPText.decimal(fields[1], maximum: 256), component >= 1 else { throw SDPFieldError("component must be 1–256") }
        guard let priority = SDPText.decimal(fields[3], maximum: UInt64(UInt32.max)) else { throw SDPFieldError("priority must be a 32-bit number") }
        guard let port = SDPText.decimal(fields[5], maximum: 65535) else { throw SDPFieldError("port must be 0–65535") }
        guard (fields.count - 8) % 2 == 0 else { throw SDPFieldError("extension attributes must come in name/value pairs") }
        foundation = SDPText.string(fields[0])
        self.component = UInt16(component)
        transport = SDPText.string(fields[2])
        self.priority = UInt32(priority)
        address = SDPText.string(fields[4])
        self.port = UInt16(port)
        type = SDPText.string(fields[7])
        extensions = []
        for index in stride(from: 8, to: fields.count, by: 2) {
            let name = SDPText.string(fields[index])
            let value = fields[index + 1]
            if extensions.isEmpty, name == "raddr", relatedAddress == nil {
                relatedAddress = SDPText.string(value)
            } else if extensions.isEmpty, name == "rport", relatedPort == nil {
                guard let port = SDPText.decimal(value, maximum: 65535) else { throw SDPFieldError("rport must be 0–65535") }
                relatedPort = UInt16(port)
            } else {
                extensions.append(SDPCandidateExtension(name: name, value: SDPText.string(value)))
            }
        }
    }

    public var sdpValue: String {
        var text = "\(foundation) \(component) \(transport) \(priority) \(address) \(port) typ \(type)"
        if let relatedAddress { text += " raddr \(relatedAddress)" }
        if let relatedPort { text += " rport \(relatedPort)" }
        for item in extensions { text += " \(item.name) \(item.value)" }
        return text
    }
}
