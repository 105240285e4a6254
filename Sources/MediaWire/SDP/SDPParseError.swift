/// Why an SDP body (RFC 8866) was refused. Each case names the line (1-based) where it applies,
/// so the WHIP/WHEP layer can return `detail` as an RFC 9457 problem+json detail.
public enum SDPParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The body is larger than `SDPLimits.maximumBytes`.
    case tooLarge(bytes: Int, limit: Int)
    /// The body is not valid UTF-8 (RFC 8866 §5: the charset of the text fields).
    case invalidUTF8
    /// The body has no lines.
    case empty
    /// The first line is not `v=` (RFC 8866 §5: `v=` comes first).
    case missingVersion
    /// `v=` carries something other than `0`.
    case unsupportedVersion(String)
    /// A mandatory session line (`o=`, `s=`, `t=`) is absent.
    case missingLine(type: String)
    /// A line has no `=` at all.
    case lineWithoutEquals(line: Int)
    /// A line's type is not one lowercase letter directly followed by `=`.
    case invalidLineType(line: Int)
    /// A NUL or a CR that does not end the line.
    case forbiddenCharacter(line: Int)
    /// A session-only line (`v=`, `o=`, `s=`, `t=`, …) after the first `m=`, or one given twice.
    case misplacedLine(line: Int, type: String)
    /// More media sections than `SDPLimits.maximumMediaSections`.
    case tooManyMediaSections(limit: Int)
    /// An `m=` line that does not follow RFC 8866 §5.14.
    case malformedMediaLine(line: Int, reason: String)
    /// A `c=`, `o=` or `t=` line that does not follow its grammar.
    case malformedLine(line: Int, type: String, reason: String)
    /// An attribute whose value does not follow its RFC's grammar.
    case malformedAttribute(line: Int, name: String, reason: String)
    /// A single-valued attribute given twice in the same section (for example two `a=mid`).
    case duplicateAttribute(line: Int, name: String)
    /// `a=rtpmap` or `a=fmtp` for a payload type the section's `m=` line does not list.
    case payloadTypeNotInMediaLine(line: Int, attribute: String, payloadType: UInt8)

    /// A human-readable explanation, suitable for a problem+json `detail`.
    public var detail: String {
        switch self {
        case .tooLarge(let bytes, let limit):
            "SDP is \(bytes) bytes, more than the limit of \(limit)"
        case .invalidUTF8:
            "SDP is not valid UTF-8"
        case .empty:
            "SDP is empty"
        case .missingVersion:
            "SDP must start with a v= line"
        case .unsupportedVersion(let version):
            "unsupported SDP version v=\(version) (only v=0 exists)"
        case .missingLine(let type):
            "SDP has no \(type)= line, which RFC 8866 requires"
        case .lineWithoutEquals(let line):
            "line \(line) has no '='"
        case .invalidLineType(let line):
            "line \(line) does not start with a one-letter type followed by '='"
        case .forbiddenCharacter(let line):
            "line \(line) contains a NUL or a stray carriage return"
        case .misplacedLine(let line, let type):
            "line \(line): \(type)= is not allowed here (session lines come once, before the first m=)"
        case .tooManyMediaSections(let limit):
            "SDP has more than \(limit) m= sections"
        case .malformedMediaLine(let line, let reason):
            "line \(line): malformed m= line: \(reason)"
        case .malformedLine(let line, let type, let reason):
            "line \(line): malformed \(type)= line: \(reason)"
        case .malformedAttribute(let line, let name, let reason):
            "line \(line): malformed a=\(name): \(reason)"
        case .duplicateAttribute(let line, let name):
            "line \(line): a=\(name) appears more than once in the same section"
        case .payloadTypeNotInMediaLine(let line, let attribute, let payloadType):
            "line \(line): a=\(attribute) for payload type \(payloadType), which the m= line does not list"
        }
    }

    public var description: String { detail }
}

/// Bounds on what the parser accepts, so a hostile body costs bounded memory and time.
public enum SDPLimits {
    /// Largest accepted body. Real offers are 2–8 KiB (Chromium with simulcast ~6 KiB).
    public static let maximumBytes = 64 * 1024
    /// Most `m=` sections accepted in one description.
    public static let maximumMediaSections = 64
}

/// The reason a single field failed; the parser attaches the line number and attribute name.
struct SDPFieldError: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
