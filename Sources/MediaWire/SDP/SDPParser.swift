// Parsing of SDP text into `SDPSessionDescription` (RFC 8866 §5, JSEP RFC 8829 §5.8).
// Strict where a mistake would change what is negotiated (every field of a typed attribute, a
// payload type not on the m= line, duplicates of single-valued attributes); tolerant of what is
// merely unusual (LF or CRLF, blank lines, unknown line types and attributes, which are kept).

extension SDPSessionDescription {
    /// Parses an SDP body given as text.
    public init(parsing text: String) throws(SDPParseError) {
        try self.init(parsing: Array(text.utf8))
    }

    /// Parses an SDP body given as bytes (for example an HTTP request body).
    public init(parsing bytes: some Collection<UInt8>) throws(SDPParseError) {
        guard bytes.count <= SDPLimits.maximumBytes else {
            throw .tooLarge(bytes: bytes.count, limit: SDPLimits.maximumBytes)
        }
        let input = Array(bytes)
        guard String(validating: input, as: UTF8.self) != nil else { throw .invalidUTF8 }
        var parser = SDPParser()
        self = try parser.parse(input)
    }
}

/// Protocol shared by the session and media levels for attributes allowed at both.
protocol SDPTransportAttributeCarrier {
    var iceUfrag: String? { get set }
    var icePwd: String? { get set }
    var iceOptions: [String]? { get set }
    var fingerprints: [SDPFingerprint] { get set }
    var setup: SDPSetupRole? { get set }
    var direction: SDPDirection? { get set }
    var otherAttributes: [SDPAttribute] { get set }
}

extension SDPSessionDescription: SDPTransportAttributeCarrier {}
extension SDPMediaSection: SDPTransportAttributeCarrier {}

struct SDPParser {
    private var lineNumber = 0
    /// The current section's payload types, for checking codec attributes against the m= line.
    private var listedPayloadTypes = Set<UInt8>()
    private var currentIsRTP = false
    /// The current section's rid ids, to refuse duplicates without a quadratic scan.
    private var currentRids = Set<String>()

    mutating func parse(_ input: [UInt8]) throws(SDPParseError) -> SDPSessionDescription {
        // One pass over the bytes: find line ends, reject NUL and stray CR, check `x=`.
        var lines: [(number: Int, type: UInt8, value: SDPText.Bytes)] = []
        lines.reserveCapacity(input.count / 24)
        var number = 0
        var start = 0
        var index = 0
        var badCharacter = false
        var sawEquals = false
        while index <= input.count {
            let byte: UInt8 = index < input.count ? input[index] : 0x0A
            if byte != 0x0A {
                if byte == 0 || byte == 0x0D { badCharacter = true }
                if byte == SDPText.equals { sawEquals = true }
                index += 1
                continue
            }
            number += 1
            var end = index
            if end > start, input[end - 1] == 0x0D {
                end -= 1
                badCharacter = false
                for position in start..<end where input[position] == 0 || input[position] == 0x0D { badCharacter = true }
            }
            defer {
                index += 1
                start = index
                badCharacter = false
                sawEquals = false
            }
            if end == start { continue }
            if badCharacter { throw .forbiddenCharacter(line: number) }
            guard end - start >= 2, input[start + 1] == SDPText.equals else {
                throw sawEquals ? .invalidLineType(line: number) : .lineWithoutEquals(line: number)
            }
            let type = input[start]
            guard type >= 0x61, type <= 0x7A else { throw .invalidLineType(line: number) }
            lines.append((number, type, input[(start + 2)..<end]))
        }
        guard let first = lines.first else { throw .empty }
        guard first.type == UInt8(ascii: "v") else { throw .missingVersion }
        guard first.value.elementsEqual("0".utf8) else { throw .unsupportedVersion(SDPText.string(first.value)) }

        var origin: SDPOrigin?
        var sessionName: String?
        var timing: SDPTiming?
        var session = SDPSessionDescription(origin: SDPOrigin(sessionID: "0"))
        var current: SDPMediaSection?

        for (number, type, value) in lines.dropFirst() {
            lineNumber = number
            let letter = String(UnicodeScalar(type))
            if type == UInt8(ascii: "m") {
                if let finished = current { session.media.append(try finish(finished)) }
                guard session.media.count < SDPLimits.maximumMediaSections else {
                    throw .tooManyMediaSections(limit: SDPLimits.maximumMediaSections)
                }
                current = try parseMediaLine(value)
                listedPayloadTypes = Set(current!.payloadTypes)
                currentIsRTP = current!.isRTP
                currentRids = []
                continue
            }
            if current != nil {
                // Mutate in place: copying the section out and back would copy its arrays per line.
                try parseMediaSectionLine(type: type, letter: letter, value: value, into: &current!)
                continue
            }
            switch type {
            case UInt8(ascii: "v"):
                throw .misplacedLine(line: number, type: letter)
            case UInt8(ascii: "o"):
                guard origin == nil else { throw .misplacedLine(line: number, type: letter) }
                origin = try field("o") { () throws(SDPFieldError) in try SDPOrigin(parsing: value) }
            case UInt8(ascii: "s"):
                guard sessionName == nil else { throw .misplacedLine(line: number, type: letter) }
                sessionName = SDPText.string(value)
            case UInt8(ascii: "t"):
                guard timing == nil else { throw .misplacedLine(line: number, type: letter) }
                timing = try field("t") { () throws(SDPFieldError) in try SDPTiming(parsing: value) }
            case UInt8(ascii: "c"):
                guard session.connection == nil else { throw .misplacedLine(line: number, type: letter) }
                session.connection = try field("c") { () throws(SDPFieldError) in try SDPConnection(parsing: value) }
            case UInt8(ascii: "a"):
                try parseSessionAttribute(value, into: &session)
            default:
                session.otherLines.append(SDPLine(type: letter, value: SDPText.string(value)))
            }
        }
        if let finished = current { session.media.append(try finish(finished)) }
        guard let origin else { throw .missingLine(type: "o") }
        guard let sessionName else { throw .missingLine(type: "s") }
        guard let timing else { throw .missingLine(type: "t") }
        session.origin = origin
        session.sessionName = sessionName
        session.timing = timing
        session.otherLines = SDPParser.stableSorted(session.otherLines, by: \.rank)
        return session
    }

    // MARK: - Lines

    private mutating func parseMediaSectionLine(type: UInt8, letter: String, value: SDPText.Bytes,
                                                into media: inout SDPMediaSection) throws(SDPParseError) {
        switch type {
        case UInt8(ascii: "a"):
            try parseMediaAttribute(value, into: &media)
        case UInt8(ascii: "c"):
            guard media.connection == nil else { throw .misplacedLine(line: lineNumber, type: letter) }
            media.connection = try field("c") { () throws(SDPFieldError) in try SDPConnection(parsing: value) }
        case UInt8(ascii: "v"), UInt8(ascii: "o"), UInt8(ascii: "s"), UInt8(ascii: "t"),
             UInt8(ascii: "u"), UInt8(ascii: "e"), UInt8(ascii: "p"), UInt8(ascii: "r"), UInt8(ascii: "z"):
            throw .misplacedLine(line: lineNumber, type: letter)
        default:
            media.otherLines.append(SDPLine(type: letter, value: SDPText.string(value)))
        }
    }

    private func field<T>(_ type: String, _ body: () throws(SDPFieldError) -> T) throws(SDPParseError) -> T {
        do {
            return try body()
        } catch {
            throw .malformedLine(line: lineNumber, type: type, reason: error.reason)
        }
    }

    private func attribute<T>(_ name: String, _ body: () throws(SDPFieldError) -> T) throws(SDPParseError) -> T {
        do {
            return try body()
        } catch {
            throw .malformedAttribute(line: lineNumber, name: name, reason: error.reason)
        }
    }

    private func parseMediaLine(_ value: SDPText.Bytes) throws(SDPParseError) -> SDPMediaSection {
        let fields = SDPText.tokens(value)
        guard fields.count >= 4 else {
            throw .malformedMediaLine(line: lineNumber, reason: "expected '<media> <port> <proto> <format> …'")
        }
        guard SDPText.isToken(fields[0]) else { throw .malformedMediaLine(line: lineNumber, reason: "invalid media type") }
        let (portText, countText) = SDPText.splitOnce(fields[1], at: SDPText.slash)
        guard let port = SDPText.decimal(portText, maximum: 65535) else {
            throw .malformedMediaLine(line: lineNumber, reason: "port '\(SDPText.string(fields[1]))' is not a number from 0 to 65535")
        }
        var portCount: UInt16?
        if let countText {
            guard let count = SDPText.decimal(countText, maximum: 65535) else {
                throw .malformedMediaLine(line: lineNumber, reason: "port count is not a number")
            }
            portCount = UInt16(count)
        }
        // proto = token *("/" token) (RFC 8866 §9).
        guard fields[2].split(separator: SDPText.slash, omittingEmptySubsequences: false).allSatisfy(SDPText.isToken) else {
            throw .malformedMediaLine(line: lineNumber, reason: "invalid protocol")
        }
        let proto = SDPText.string(fields[2])
        let formats = fields[3...].map(SDPText.string)
        if SDPMediaSection.isRTPProtocol(proto) {
            var seen = Set<UInt64>()
            for format in fields[3...] {
                guard let payloadType = SDPText.decimal(format, maximum: 127) else {
                    throw .malformedMediaLine(line: lineNumber, reason: "payload type '\(SDPText.string(format))' is not a number from 0 to 127")
                }
                guard seen.insert(payloadType).inserted else {
                    throw .malformedMediaLine(line: lineNumber, reason: "payload type \(payloadType) is listed twice")
                }
            }
        } else if !fields[3...].allSatisfy(SDPText.isToken) {
            throw .malformedMediaLine(line: lineNumber, reason: "invalid format")
        }
        return SDPMediaSection(kind: SDPMediaKind(rawValue: SDPText.string(fields[0])), port: UInt16(port),
                               portCount: portCount, proto: proto, formats: formats)
    }

    private func finish(_ section: SDPMediaSection) throws(SDPParseError) -> SDPMediaSection {
        var media = section
        // Canonical order, so that writing and parsing again gives an equal value: codec lines
        // follow the m= line's format order (the serializer groups them per payload type).
        let order = Dictionary(media.payloadTypes.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        media.rtpMaps = SDPParser.stableSorted(media.rtpMaps) { order[$0.payloadType] ?? Int.max }
        media.fmtps = SDPParser.stableSorted(media.fmtps) { order[$0.payloadType] ?? Int.max }
        media.rtcpFeedback = SDPParser.stableSorted(media.rtcpFeedback) { $0.payloadType.flatMap { order[$0] } ?? Int.max }
        media.otherLines = SDPParser.stableSorted(media.otherLines, by: \.rank)
        return media
    }

    static func stableSorted<T>(_ items: [T], by key: (T) -> Int) -> [T] {
        items.enumerated().sorted { lhs, rhs in
            let (left, right) = (key(lhs.element), key(rhs.element))
            return left != right ? left < right : lhs.offset < rhs.offset
        }.map(\.element)
    }

    // MARK: - Attributes

    private func splitAttribute(_ value: SDPText.Bytes) throws(SDPParseError) -> (String, SDPText.Bytes?) {
        let (name, rest) = SDPText.splitOnce(value, at: SDPText.colon)
        guard SDPText.isToken(name) else {
            throw .malformedAttribute(line: lineNumber, name: SDPText.string(name), reason: "attribute name must be a token")
        }
        return (SDPText.string(name), rest)
    }

    private func flag(_ name: String, _ value: SDPText.Bytes?) throws(SDPParseError) {
        guard value == nil else { throw .malformedAttribute(line: lineNumber, name: name, reason: "takes no value") }
    }

    private func required(_ name: String, _ value: SDPText.Bytes?) throws(SDPParseError) -> SDPText.Bytes {
        guard let value else { throw .malformedAttribute(line: lineNumber, name: name, reason: "needs a value") }
        return value
    }

    /// A single-token value (ICE credentials, mid): non-empty and without spaces.
    private func singleToken(_ name: String, _ value: SDPText.Bytes?) throws(SDPParseError) -> String {
        let bytes = try required(name, value)
        let fields = SDPText.tokens(bytes)
        guard fields.count == 1 else { throw .malformedAttribute(line: lineNumber, name: name, reason: "expected a single value") }
        return SDPText.string(fields[0])
    }

    /// Handles attributes allowed at both levels; returns false if `name` is not one of them.
    private func parseTransportAttribute<Target: SDPTransportAttributeCarrier>(
        _ name: String, _ value: SDPText.Bytes?, into target: inout Target
    ) throws(SDPParseError) -> Bool {
        switch name {
        case "ice-ufrag":
            guard target.iceUfrag == nil else { throw .duplicateAttribute(line: lineNumber, name: name) }
            target.iceUfrag = try singleToken(name, value)
        case "ice-pwd":
            guard target.icePwd == nil else { throw .duplicateAttribute(line: lineNumber, name: name) }
            target.icePwd = try singleToken(name, value)
        case "ice-options":
            guard target.iceOptions == nil else { throw .duplicateAttribute(line: lineNumber, name: name) }
            let options = SDPText.tokens(try required(name, value)).map(SDPText.string)
            guard !options.isEmpty else { throw .malformedAttribute(line: lineNumber, name: name, reason: "needs at least one option") }
            target.iceOptions = options
        case "fingerprint":
            let bytes = try required(name, value)
            target.fingerprints.append(try attribute(name) { () throws(SDPFieldError) in try SDPFingerprint(parsing: bytes) })
        case "setup":
            guard target.setup == nil else { throw .duplicateAttribute(line: lineNumber, name: name) }
            let text = try singleToken(name, value)
            guard let role = SDPSetupRole(rawValue: text) else {
                throw .malformedAttribute(line: lineNumber, name: name, reason: "must be actpass, active, passive or holdconn")
            }
            target.setup = role
        case "sendrecv", "sendonly", "recvonly", "inactive":
            try flag(name, value)
            guard target.direction == nil else { throw .duplicateAttribute(line: lineNumber, name: "sendrecv/sendonly/recvonly/inactive") }
            target.direction = SDPDirection(rawValue: name)
        default:
            return false
        }
        return true
    }

    private func parseSessionAttribute(_ value: SDPText.Bytes, into session: inout SDPSessionDescription) throws(SDPParseError) {
        let (name, rest) = try splitAttribute(value)
        if try parseTransportAttribute(name, rest, into: &session) { return }
        switch name {
        case "group":
            let bytes = try required(name, rest)
            session.groups.append(try attribute(name) { () throws(SDPFieldError) in try SDPGroup(parsing: bytes) })
        case "ice-lite":
            try flag(name, rest)
            session.iceLite = true
        case "msid-semantic":
            guard session.msidSemantic == nil else { throw .duplicateAttribute(line: lineNumber, name: name) }
            let bytes = try required(name, rest)
            session.msidSemantic = try attribute(name) { () throws(SDPFieldError) in try SDPMsidSemantic(parsing: bytes) }
        default:
            session.otherAttributes.append(SDPAttribute(name: name, value: rest.map(SDPText.string)))
        }
    }

    private mutating func parseMediaAttribute(_ value: SDPText.Bytes, into media: inout SDPMediaSection) throws(SDPParseError) {
        let (name, rest) = try splitAttribute(value)
        if try parseTransportAttribute(name, rest, into: &media) { return }
        switch name {
        case "mid":
            guard media.mid == nil else { throw .duplicateAttribute(line: lineNumber, name: name) }
            media.mid = try singleToken(name, rest)
        case "rtpmap":
            let bytes = try required(name, rest)
            let map = try attribute(name) { () throws(SDPFieldError) in try SDPRtpMap(parsing: bytes) }
            try checkListed(map.payloadType, attribute: name, in: media)
            guard media.rtpMap(for: map.payloadType) == nil else { throw .duplicateAttribute(line: lineNumber, name: "\(name):\(map.payloadType)") }
            media.rtpMaps.append(map)
        case "fmtp":
            let bytes = try required(name, rest)
            let fmtp = try attribute(name) { () throws(SDPFieldError) in try SDPFmtp(parsing: bytes) }
            try checkListed(fmtp.payloadType, attribute: name, in: media)
            guard media.fmtp(for: fmtp.payloadType) == nil else { throw .duplicateAttribute(line: lineNumber, name: "\(name):\(fmtp.payloadType)") }
            media.fmtps.append(fmtp)
        case "rtcp-fb":
            let bytes = try required(name, rest)
            let feedback = try attribute(name) { () throws(SDPFieldError) in try SDPRtcpFeedback(parsing: bytes) }
            if let payloadType = feedback.payloadType { try checkListed(payloadType, attribute: name, in: media) }
            media.rtcpFeedback.append(feedback)
        case "extmap":
            let bytes = try required(name, rest)
            let extmap = try attribute(name) { () throws(SDPFieldError) in try SDPExtmap(parsing: bytes) }
            guard !media.extmaps.contains(where: { $0.id == extmap.id }) else {
                throw .malformedAttribute(line: lineNumber, name: name, reason: "id \(extmap.id) is used twice (RFC 8285 §5)")
            }
            media.extmaps.append(extmap)
        case "rtcp-mux":
            try flag(name, rest)
            media.rtcpMux = true
        case "rtcp-rsize":
            try flag(name, rest)
            media.rtcpRsize = true
        case "ssrc":
            let bytes = try required(name, rest)
            media.ssrcs.append(try attribute(name) { () throws(SDPFieldError) in try SDPSsrcAttribute(parsing: bytes) })
        case "ssrc-group":
            let bytes = try required(name, rest)
            media.ssrcGroups.append(try attribute(name) { () throws(SDPFieldError) in try SDPSsrcGroup(parsing: bytes) })
        case "msid":
            let bytes = try required(name, rest)
            media.msids.append(try attribute(name) { () throws(SDPFieldError) in try SDPMsid(parsing: bytes) })
        case "rid":
            let bytes = try required(name, rest)
            let rid = try attribute(name) { () throws(SDPFieldError) in try SDPRid(parsing: bytes) }
            guard currentRids.insert(rid.id).inserted else { throw .duplicateAttribute(line: lineNumber, name: "\(name):\(rid.id)") }
            media.rids.append(rid)
        case "simulcast":
            guard media.simulcast == nil else { throw .duplicateAttribute(line: lineNumber, name: name) }
            let bytes = try required(name, rest)
            media.simulcast = try attribute(name) { () throws(SDPFieldError) in try SDPSimulcast(parsing: bytes) }
        case "candidate":
            let bytes = try required(name, rest)
            media.candidates.append(try attribute(name) { () throws(SDPFieldError) in try SDPCandidate(parsing: bytes) })
        case "end-of-candidates":
            try flag(name, rest)
            media.endOfCandidates = true
        default:
            media.otherAttributes.append(SDPAttribute(name: name, value: rest.map(SDPText.string)))
        }
    }

    private func checkListed(_ payloadType: UInt8, attribute: String, in media: SDPMediaSection) throws(SDPParseError) {
        guard currentIsRTP, listedPayloadTypes.contains(payloadType) else {
            throw .payloadTypeNotInMediaLine(line: lineNumber, attribute: attribute, payloadType: payloadType)
        }
    }
}
