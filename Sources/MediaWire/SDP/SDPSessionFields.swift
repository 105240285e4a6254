// Session-level fields of an SDP description (RFC 8866 §5) and the small attribute values shared
// by session and media level. Each value parses from the text after `x=` / `a=name:` and writes
// itself back as `sdpValue`; writing then parsing gives the same value.

/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>` (RFC 8866 §5.2).
public struct SDPOrigin: Hashable, Sendable {
    public var username: String
    /// Decimal digits; Chromium uses 64-bit random numbers, so it is kept as text.
    public var sessionID: String
    public var sessionVersion: String
    public var networkType: String
    public var addressType: String
    public var address: String

    public init(username: String = "-", sessionID: String, sessionVersion: String = "2",
                networkType: String = "IN", addressType: String = "IP4", address: String = "127.0.0.1") {
        self.username = username
        self.sessionID = sessionID
        self.sessionVersion = sessionVersion
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }

    init(parsing value: SDPText.Bytes) throws(SDPFieldError) {
        let fields = SDPText.tokens(value)
        guard fields.count == 6 else { throw SDPFieldError("expected 6 fields, found \(fields.count)") }
        let isDigit: (UInt8) -> Bool = { $0 >= 0x30 && $0 <= 0x39 }
        guard fields[1].allSatisfy(isDigit) else { throw SDPFieldError("sess-id must be decimal digits") }
        guard fields[2].allSatisfy(isDigit) else { throw SDPFieldError("sess-version must be decimal digits") }
        username = SDPText.string(fields[0])
        sessionID = SDPText.string(fields[1])
        sessionVersion = SDPText.string(fields[2])
        networkType = SDPText.string(fields[3])
        addressType = SDPText.string(fields[4])
        address = SDPText.string(fields[5])
    }

    public var sdpValue: String {
        "\(username) \(sessionID) \(sessionVersion) \(networkType) \(addressType) \(address)"
    }
}

/// `t=<start-time> <stop-time>` (RFC 8866 §5.9); WebRTC always says `t=0 0`.
public struct SDPTiming: Hashable, Sendable {
    public var start: UInt64
    public var stop: UInt64

    public init(start: UInt64 = 0, stop: UInt64 = 0) {
        self.start = start
        self.stop = stop
    }

    init(parsing value: SDPText.Bytes) throws(SDPFieldError) {
        let fields = SDPText.tokens(value)
        guard fields.count == 2, let start = SDPText.decimal(fields[0], maximum: .max),
              let stop = SDPText.decimal(fields[1], maximum: .max) else {
            throw SDPFieldError("expected two decimal times")
        }
        self.start = start
        self.stop = stop
    }

    public var sdpValue: String { "\(start) \(stop)" }
}

/// `c=<nettype> <addrtype> <connection-address>` (RFC 8866 §5.7).
public struct SDPConnection: Hashable, Sendable {
    public var networkType: String
    public var addressType: String
    /// The address, with `/ttl` or `/count` if the line had them.
    public var address: String

    public init(networkType: String = "IN", addressType: String = "IP4", address: String) {
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }

    /// `c=IN IP4 <address>` or `IN IP6` depending on the address's form.
    public init(address: String) {
        self.init(addressType: address.contains(":") ? "IP6" : "IP4", address: address)
    }

    init(parsing value: SDPText.Bytes) throws(SDPFieldError) {
        let fields = SDPText.tokens(value)
        guard fields.count == 3 else { throw SDPFieldError("expected 3 fields, found \(fields.count)") }
        networkType = SDPText.string(fields[0])
        addressType = SDPText.string(fields[1])
        address = SDPText.string(fields[2])
    }

    public var sdpValue: String { "\(networkType) \(addressType) \(address)" }
}

/// A line the model does not interpret (`i=`, `u=`, `e=`, `p=`, `b=`, `r=`, `z=`, `k=`, or an
/// unknown letter, which RFC 8866 §5 says to ignore), kept so it can be written back.
public struct SDPLine: Hashable, Sendable {
    /// The one-letter type, for example `"b"`.
    public var type: String
    public var value: String

    public init(type: String, value: String) {
        self.type = type
        self.value = value
    }

    /// Where RFC 8866 §5 puts the line among the others; the parser orders kept lines by it.
    var rank: Int {
        switch type {
        case "i": 0
        case "u": 1
        case "e": 2
        case "p": 3
        case "b": 5
        case "r": 7
        case "z": 8
        case "k": 9
        default: 10
        }
    }
}

/// An attribute the model does not interpret, kept in order: `a=<name>` or `a=<name>:<value>`.
public struct SDPAttribute: Hashable, Sendable {
    public var name: String
    /// `nil` for a property attribute (`a=foo`), the text after the first `:` otherwise.
    public var value: String?

    public init(name: String, value: String? = nil) {
        self.name = name
        self.value = value
    }

    public var sdpLine: String {
        if let value { "a=\(name):\(value)" } else { "a=\(name)" }
    }
}

/// The media type of an `m=` line: `audio`, `video`, `application`, or another token.
public struct SDPMediaKind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let audio = SDPMediaKind(rawValue: "audio")
    public static let video = SDPMediaKind(rawValue: "video")
    public static let application = SDPMediaKind(rawValue: "application")
    public var description: String { rawValue }
}

/// `a=sendrecv` / `a=sendonly` / `a=recvonly` / `a=inactive` (RFC 8866 §6.7, RFC 3264 §6.1).
public enum SDPDirection: String, Hashable, Sendable, CaseIterable {
    case sendrecv, sendonly, recvonly, inactive

    /// Whether the side that wrote this attribute sends media.
    public var sends: Bool { self == .sendrecv || self == .sendonly }
    /// Whether the side that wrote this attribute receives media.
    public var receives: Bool { self == .sendrecv || self == .recvonly }

    /// The answer's direction that mirrors an offered direction (RFC 3264 §6.1).
    public var reversed: SDPDirection {
        switch self {
        case .sendonly: .recvonly
        case .recvonly: .sendonly
        case .sendrecv, .inactive: self
        }
    }
}

/// `a=setup` (RFC 4145 §4, RFC 5763 §5): which side starts the DTLS handshake.
public enum SDPSetupRole: String, Hashable, Sendable, CaseIterable {
    case actpass, active, passive, holdconn
}

/// `a=fingerprint:<hash-function> <hex:hex:…>` (RFC 8122 §5): the digest of a DTLS certificate.
public struct SDPFingerprint: Hashable, Sendable {
    /// The hash function as written, for example `sha-256` (compare case-insensitively).
    public var algorithm: String
    /// Upper- or lowercase hex pairs separated by colons, as written.
    public var value: String

    public init(algorithm: String, value: String) {
        self.algorithm = algorithm
        self.value = value
    }

    /// A fingerprint from raw digest bytes, written in uppercase hex as browsers do.
    public init(algorithm: String = "sha-256", digest: some Sequence<UInt8>) {
        let hex: [String] = digest.map { byte in
            let digits = Array("0123456789ABCDEF")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }
        self.init(algorithm: algorithm, value: hex.joined(separator: ":"))
    }

    init(parsing value: SDPText.Bytes) throws(SDPFieldError) {
        let fields = SDPText.tokens(value)
        guard fields.count == 2 else { throw SDPFieldError("expected '<hash-function> <fingerprint>'") }
        guard SDPText.isToken(fields[0]) else { throw SDPFieldError("invalid hash function name") }
        let pairs = fields[1].split(separator: SDPText.colon, omittingEmptySubsequences: false)
        let isHex: (UInt8) -> Bool = { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x46) || ($0 >= 0x61 && $0 <= 0x66) }
        guard pairs.count <= 64, pairs.allSatisfy({ $0.count == 2 && $0.allSatisfy(isHex) }) else {
            throw SDPFieldError("fingerprint must be hex byte pairs separated by ':'")
        }
        algorithm = SDPText.string(fields[0])
        self.value = SDPText.string(fields[1])
    }

    /// The digest as bytes.
    public var digest: [UInt8] {
        value.split(separator: ":").compactMap { UInt8($0, radix: 16) }
    }

    /// Whether this is a SHA-256 fingerprint (the one Marquee puts in its answers and checks).
    public var isSHA256: Bool { algorithm.lowercased() == "sha-256" }

    public var sdpValue: String { "\(algorithm) \(value)" }
}

/// `a=group:<semantics> <mid> …` (RFC 5888 §5), for example `BUNDLE 0 1` (RFC 8843) or `LS 0 1`.
public struct SDPGroup: Hashable, Sendable {
    public var semantics: String
    public var mids: [String]

    public init(semantics: String, mids: [String]) {
        self.semantics = semantics
        self.mids = mids
    }

    init(parsing value: SDPText.Bytes) throws(SDPFieldError) {
        let fields = SDPText.tokens(value)
        guard let first = fields.first, SDPText.isToken(first) else { throw SDPFieldError("missing semantics") }
        semantics = SDPText.string(first)
        mids = fields.dropFirst().map(SDPText.string)
    }

    public var sdpValue: String { ([semantics] + mids).joined(separator: " ") }
}

/// `a=msid-semantic:<semantic> <id> …` (the pre-RFC 8830 WMS line browsers still send).
public struct SDPMsidSemantic: Hashable, Sendable {
    public var semantic: String
    public var identifiers: [String]

    public init(semantic: String = "WMS", identifiers: [String] = []) {
        self.semantic = semantic
        self.identifiers = identifiers
    }

    init(parsing value: SDPText.Bytes) throws(SDPFieldError) {
        // Chromium writes "a=msid-semantic: WMS …" with a space after the colon.
        let fields = SDPText.tokens(value)
        guard let first = fields.first else { throw SDPFieldError("missing semantic") }
        semantic = SDPText.string(first)
        identifiers = fields.dropFirst().map(SDPText.string)
    }

    public var sdpValue: String { ([semantic] + identifiers).joined(separator: " ") }
}
