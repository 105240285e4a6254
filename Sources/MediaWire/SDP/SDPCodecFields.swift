// Codec-related attribute values of media sections: rtpmap and fmtp (RFC 8866 §6.6, §6.15),
// feedback (RFC 4585), header extensions (RFC 8285). Each parses from the text after `a=name:`
// and writes back as `sdpValue`.

/// `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]`.
public struct SDPRtpMap: Hashable, Sendable {
    public var payloadType: UInt8
    /// As written (`opus`, `VP8`, `H264`); compare case-insensitively.
    public var encodingName: String
    public var clockRate: UInt32
    /// For audio, the channel count (`opus/48000/2`).
    public var encodingParameters: UInt32?

    public init(payloadType: UInt8, encodingName: String, clockRate: UInt32, encodingParameters: UInt32? = nil) {
        self.payloadType = payloadType
        self.encodingName = encodingName
        self.clockRate = clockRate
        self.encodingParameters = encodingParameters
    }

    init(parsing value: SDPText.Bytes) throws(SDPFieldError) {
        let fields = SDPText.tokens(value)
        guard fields.count == 2 else { throw SDPFieldError("expected '<payload type> <encoding>/<clock rate>'") }
        payloadType = try SDPMediaFieldParsing.payloadType(fields[0])
        let parts = fields[1].split(separator: SDPText.slash, omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, SDPText.isToken(parts[0]) else {
            throw SDPFieldError("expected '<encoding>/<clock rate>[/<parameters>]'")
        }
        guard let clock = SDPText.decimal(parts[1], maximum: UInt64(UInt32.max)), clock > 0 else {
            throw SDPFieldError("clock rate must be a positive number")
        }
        encodingName = SDPText.string(parts[0])
        clockRate = UInt32(clock)
        if parts.count == 3 {
            guard let parameters = SDPText.decimal(parts[2], maximum: UInt64(UInt32.max)) else {
                throw SDPFieldError("encoding parameters must be a number")
            }
            encodingParameters = UInt32(parameters)
        }
    }

    public var sdpValue: String {
        var text = "\(payloadType) \(encodingName)/\(clockRate)"
        if let encodingParameters { text += "/\(encodingParameters)" }
        return text
    }
}

/// One `name=value` (or bare `name`) of an fmtp or rid parameter list.
public struct SDPParameter: Hashable, Sendable {
    public var name: String
    public var value: String?

    public init(name: String, value: String? = nil) {
        self.name = name
        self.value = value
    }

    /// Parses `a=b;c;d=e`, ignoring empty items and spaces around them.
    static func list(_ text: some StringProtocol) -> [SDPParameter] {
        text.split(separator: ";").compactMap { item in
            let trimmed = item.trimmingSDPSpaces()
            guard !trimmed.isEmpty else { return nil }
            if let equals = trimmed.firstIndex(of: "=") {
                return SDPParameter(name: String(trimmed[..<equals]), value: String(trimmed[trimmed.index(after: equals)...]))
            }
            return SDPParameter(name: String(trimmed))
        }
    }

    var sdpValue: String { value.map { "\(name)=\($0)" } ?? name }
}

extension StringProtocol {
    /// Drops ASCII spaces at both ends.
    fileprivate func trimmingSDPSpaces() -> SubSequence {
        var start = startIndex
        var end = endIndex
        while start < end, self[start] == " " { start = index(after: start) }
        while end > start, self[index(before: end)] == " " { end = index(before: end) }
        return self[start..<end]
    }
}

/// `a=fmtp:<payload type> <format specific parameters>` (RFC 8866 §6.15).
public struct SDPFmtp: Hashable, Sendable {
    public var payloadType: UInt8
    /// The parameters as written, for example `minptime=10;useinbandfec=1`.
    public var parameters: String

    public init(payloadType: UInt8, parameters: String) {
        self.payloadType = payloadType
        self.parameters = parameters
    }

    init(parsing value: SDPText.Bytes) throws(SDPFieldError) {
        let (head, rest) = SDPText.splitOnce(value, at: SDPText.space)
        payloadType = try SDPMediaFieldParsing.payloadType(head)
        parameters = rest.map { SDPText.string(SDPText.trimLeadingSpaces($0)) } ?? ""
    }

    /// The parameters split at `;` and `=`.
    public var parameterList: [SDPParameter] { SDPParameter.list(parameters) }

    /// The value of parameter `name` (case-insensitive), `nil` if absent or valueless.
    public func parameter(_ name: String) -> String? {
        let lowered = name.lowercased()
        return parameterList.first { $0.name.lowercased() == lowered }?.value
    }

    public var sdpValue: String { parameters.isEmpty ? "\(payloadType)" : "\(payloadType) \(parameters)" }
}

/// `a=rtcp-fb:<payload type or *> <type> [<parameter>]` (RFC 4585 §4.2), e.g. `96 nack pli`.
public struct SDPRtcpFeedback: Hashable, Sendable {
    /// `nil` means `*` (all payload types of the section).
    public var payloadType: UInt8?
    public var type: String
    public var parameter: String?

    public init(payloadType: UInt8?, type: String, parameter: String? = nil) {
        self.payloadType = payloadType
        self.type = type
        self.parameter = parameter
    }

    init(parsing value: SDPText.Bytes) throws(SDPFieldError) {
        let fields = SDPText.tokens(value)
        guard fields.count >= 2 else { throw SDPFieldError("expected '<payload type> <feedback type>'") }
        if fields[0].elementsEqual("*".utf8) {
            payloadType = nil
        } else {
            payloadType = try SDPMediaFieldParsing.payloadType(fields[0])
        }
        type = SDPText.string(fields[1])
        parameter = fields.count > 2 ? fields[2...].map(SDPText.string).joined(separator: " ") : nil
    }

    /// `type` and `parameter` as one string, e.g. `nack pli`, `transport-cc`.
    public var kind: String { parameter.map { "\(type) \($0)" } ?? type }

    public var sdpValue: String { "\(payloadType.map(String.init) ?? "*") \(kind)" }
}

/// `a=extmap:<id>[/<direction>] <URI> [<attributes>]` (RFC 8285 §8): an RTP header extension.
public struct SDPExtmap: Hashable, Sendable {
    /// 1–14 fit the one-byte header form, up to 255 the two-byte form.
    public var id: UInt16
    public var direction: SDPDirection?
    public var uri: String
    public var attributes: String?

    public init(id: UInt16, direction: SDPDirection? = nil, uri: String, attributes: String? = nil) {
        self.id = id
        self.direction = direction
        self.uri = uri
        self.attributes = attributes
    }

    init(parsing value: SDPText.Bytes) throws(SDPFieldError) {
        let fields = SDPText.tokens(value)
        guard fields.count >= 2 else { throw SDPFieldError("expected '<id>[/<direction>] <URI>'") }
        let (idText, directionText) = SDPText.splitOnce(fields[0], at: SDPText.slash)
        guard let id = SDPText.decimal(idText, maximum: 255), id >= 1 else {
            throw SDPFieldError("extension id must be 1–255 (RFC 8285 §5)")
        }
        self.id = UInt16(id)
        if let directionText {
            guard let direction = SDPDirection(rawValue: SDPText.string(directionText)) else {
                throw SDPFieldError("unknown direction '\(SDPText.string(directionText))'")
            }
            self.direction = direction
        }
        uri = SDPText.string(fields[1])
        attributes = fields.count > 2 ? fields[2...].map(SDPText.string).joined(separator: " ") : nil
    }

    public var sdpValue: String {
        var text = "\(id)"
        if let direction { text += "/\(direction.rawValue)" }
        text += " \(uri)"
        if let attributes { text += " \(attributes)" }
        return text
    }
}

enum SDPMediaFieldParsing {
    /// An RTP payload type: 0–127 (RFC 3550 §5.1, 7 bits).
    static func payloadType(_ bytes: SDPText.Bytes) throws(SDPFieldError) -> UInt8 {
        guard let value = SDPText.decimal(bytes, maximum: 127) else { throw SDPFieldError("payload type must be 0–127") }
        return UInt8(value)
    }
}
