/// H.264 NAL unit types that matter to an SFU (ITU-T H.264 Table 7-1, RFC 6184 §5.2).
public enum H264NALUnitType {
    public static let nonIDRSlice: UInt8 = 1
    public static let idrSlice: UInt8 = 5
    public static let sei: UInt8 = 6
    public static let sps: UInt8 = 7
    public static let pps: UInt8 = 8
    public static let accessUnitDelimiter: UInt8 = 9
    public static let stapA: UInt8 = 24
    public static let stapB: UInt8 = 25
    public static let mtap16: UInt8 = 26
    public static let mtap24: UInt8 = 27
    public static let fuA: UInt8 = 28
    public static let fuB: UInt8 = 29

    /// IDR, SPS and PPS: what a decoder needs to start (MEDIA.md, keyframe detection).
    @inline(__always)
    public static func startsDecoding(_ type: UInt8) -> Bool { type == idrSlice || type == sps || type == pps }
}

/// The structure of an H.264 RTP payload (RFC 6184 §5.6–5.8) in packetization modes 0/1.
///
/// ```
/// NAL header:   +---------------+      FU header:  +---------------+
///               |F|NRI|  Type   |                  |S|E|R|  Type   |
///               +---------------+                  +---------------+
/// STAP-A: [NAL hdr type 24][size 16][NALU][size 16][NALU]...
/// FU-A:   [FU indicator type 28][FU header][fragment]
/// ```
public enum H264RTPPayload: Sendable, Hashable {
    /// One whole NAL unit (types 1–23); `header` is its first byte.
    case single(header: UInt8)
    /// STAP-A: the aggregation header and the range of each NAL unit in the payload.
    case stapA(header: UInt8, units: [Range<Int>])
    /// FU-A fragment: FU indicator and FU header (S, E, original type).
    case fuA(indicator: UInt8, fuHeader: UInt8)
    /// Other packetization types (STAP-B, MTAP, FU-B, reserved 0/30/31) kept opaque.
    case unsupported(header: UInt8)

    /// Parses the payload's structure strictly: forbidden_zero_bit clear everywhere, STAP-A sizes must tile the payload exactly
    /// and be non-zero; FU-A needs its second byte, and S and E are not both set.
    public init(parsing payload: UnsafeRawBufferPointer) throws(CodecPayloadError) {
        guard payload.count >= 1 else { throw .packetTooShort(needed: 1, got: 0) }
        let header = payload[0]
        guard header & 0x80 == 0 else { throw .malformed(reason: "forbidden_zero_bit set") }
        switch header & 0x1F {
        case 1...23:
            self = .single(header: header)
        case H264NALUnitType.stapA:
            var units: [Range<Int>] = []
            var o = 1
            while o < payload.count {
                guard o + 2 <= payload.count else { throw .packetTooShort(needed: o + 2, got: payload.count) }
                let size = Int(MediaWireBytes.uint16(payload, o))
                guard size > 0 else { throw .malformed(reason: "STAP-A unit of size 0") }
                guard o + 2 + size <= payload.count else { throw .packetTooShort(needed: o + 2 + size, got: payload.count) }
                guard payload[o + 2] & 0x80 == 0 else { throw .malformed(reason: "forbidden_zero_bit set in an aggregated unit") }
                units.append(o + 2..<o + 2 + size)
                o += 2 + size
            }
            guard !units.isEmpty else { throw .malformed(reason: "STAP-A without units") }
            self = .stapA(header: header, units: units)
        case H264NALUnitType.fuA:
            guard payload.count >= 2 else { throw .packetTooShort(needed: 2, got: payload.count) }
            let fu = payload[1]
            guard fu & 0xC0 != 0xC0 else { throw .malformed(reason: "FU-A with both start and end bits") }
            self = .fuA(indicator: header, fuHeader: fu)
        default:
            self = .unsupported(header: header)
        }
    }

    public init(parsing payload: [UInt8]) throws(CodecPayloadError) {
        let result: Result<H264RTPPayload, CodecPayloadError> = payload.withUnsafeBytes { raw in
            Result { () throws(CodecPayloadError) in try H264RTPPayload(parsing: raw) }
        }
        self = try result.get()
    }

    /// The packetization type (the low five bits of the first byte).
    public var packetType: UInt8 {
        switch self {
        case .single(let h), .stapA(let h, _), .fuA(let h, _), .unsupported(let h): h & 0x1F
        }
    }

    /// For a FU-A: whether this fragment starts/ends the NAL unit, and its real type.
    public var fragmentStart: Bool { if case .fuA(_, let fu) = self { fu & 0x80 != 0 } else { false } }
    public var fragmentEnd: Bool { if case .fuA(_, let fu) = self { fu & 0x40 != 0 } else { false } }

    /// NAL unit types whose start is in this packet (the inner types for STAP-A, the
    /// original type for the first FU-A fragment).
    public func startingNALTypes(in payload: UnsafeRawBufferPointer) -> [UInt8] {
        switch self {
        case .single(let h): [h & 0x1F]
        case .stapA(_, let units): units.map { payload[$0.lowerBound] & 0x1F }
        case .fuA(_, let fu): fu & 0x80 != 0 ? [fu & 0x1F] : []
        case .unsupported: []
        }
    }

    /// True when the packet starts an IDR, SPS or PPS NAL unit: alone, inside a STAP-A, or
    /// at the start of a FU-A (RFC 6184; MEDIA.md "Keyframe detection"). Does not allocate.
    public static func isKeyframe(payload: UnsafeRawBufferPointer) -> Bool {
        guard payload.count >= 1 else { return false }
        let type = payload[0] & 0x1F
        switch type {
        case 1...23:
            return H264NALUnitType.startsDecoding(type)
        case H264NALUnitType.stapA:
            var o = 1
            while o + 2 < payload.count {
                let size = Int(MediaWireBytes.uint16(payload, o))
                guard size > 0, o + 2 + size <= payload.count else { return false }
                if H264NALUnitType.startsDecoding(payload[o + 2] & 0x1F) { return true }
                o += 2 + size
            }
            return false
        case H264NALUnitType.fuA:
            guard payload.count >= 2 else { return false }
            return payload[1] & 0x80 != 0 && H264NALUnitType.startsDecoding(payload[1] & 0x1F)
        default:
            return false
        }
    }

    public static func isKeyframe(payload: some Collection<UInt8>) -> Bool {
        payload.withContiguousStorageIfAvailable { isKeyframe(payload: UnsafeRawBufferPointer($0)) }
            ?? isKeyframe(payload: Array(payload))
    }

    /// Builds a STAP-A from whole NAL units (each with its own header byte, F = 0). The
    /// aggregate's NRI is the units' maximum (RFC 6184 §5.7.1).
    public static func stapA(units: [[UInt8]]) throws(CodecPayloadError) -> [UInt8] {
        guard !units.isEmpty else { throw .malformed(reason: "STAP-A without units") }
        var nri: UInt8 = 0
        var out: [UInt8] = [0]
        for unit in units {
            guard !unit.isEmpty, unit.count <= 0xFFFF else { throw .malformed(reason: "NAL unit of \(unit.count) bytes") }
            guard unit[0] & 0x80 == 0 else { throw .malformed(reason: "forbidden_zero_bit set in a unit") }
            nri = max(nri, unit[0] & 0x60)
            out.appendBigEndian(UInt16(unit.count))
            out.append(contentsOf: unit)
        }
        out[0] = nri | H264NALUnitType.stapA
        return out
    }
}
