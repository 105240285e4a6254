/// One RFC 8285 header extension element to write.
public struct RTPHeaderExtensionElement: Sendable, Hashable {
    public var id: UInt8
    public var value: [UInt8]

    public init(id: UInt8, value: [UInt8]) {
        self.id = id
        self.value = value
    }
}

extension RTPPacket {
    /// Builds a packet. Extensions use the one-byte form (RFC 8285 §4.2) when every ID is
    /// 1–14 and every value 1–16 bytes, else the two-byte form (§4.3, IDs 1–255, 0–255 bytes).
    /// `rawExtension` instead writes a non-RFC-8285 extension (profile, data padded to 4).
    public init(marker: Bool = false, payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32,
                csrcs: [UInt32] = [], extensions: [RTPHeaderExtensionElement] = [],
                rawExtension: (profile: UInt16, data: [UInt8])? = nil,
                payload: some Collection<UInt8>, paddingLength: Int = 0) throws(RTPError) {
        guard csrcs.count <= 15 else { throw .unencodable(reason: "more than 15 CSRCs") }
        guard (0...255).contains(paddingLength) else { throw .unencodable(reason: "padding \(paddingLength) not 0–255") }
        var out: [UInt8] = []
        out.reserveCapacity(12 + 4 * csrcs.count + 4 + extensions.reduce(0) { $0 + 2 + $1.value.count } + 3
                            + payload.count + paddingLength)
        let hasExtension = !extensions.isEmpty || rawExtension != nil
        out.append(0x80 | (paddingLength > 0 ? 0x20 : 0) | (hasExtension ? 0x10 : 0) | UInt8(csrcs.count))
        out.append((marker ? 0x80 : 0) | payloadType & 0x7F)
        out.appendBigEndian(sequenceNumber)
        out.appendBigEndian(timestamp)
        out.appendBigEndian(ssrc)
        for c in csrcs { out.appendBigEndian(c) }
        if let raw = rawExtension {
            out.appendBigEndian(raw.profile)
            let words = (raw.data.count + 3) / 4
            guard words <= 0xFFFF else { throw .unencodable(reason: "extension too long") }
            out.appendBigEndian(UInt16(words))
            out.append(contentsOf: raw.data)
            out.padToFourBytes()
        } else if !extensions.isEmpty {
            let oneByte = extensions.allSatisfy { (1...14).contains($0.id) && (1...16).contains($0.value.count) }
            let headerAt = out.count
            out.appendBigEndian(oneByte ? RTPHeaderLayout.oneByteProfile : RTPHeaderLayout.twoByteProfile)
            out.appendBigEndian(UInt16(0))
            for e in extensions {
                if oneByte {
                    out.append(e.id << 4 | UInt8(e.value.count - 1))
                } else {
                    guard e.id != 0, e.value.count <= 255 else {
                        throw .unencodable(reason: "extension id \(e.id) with \(e.value.count) bytes")
                    }
                    out.append(e.id)
                    out.append(UInt8(e.value.count))
                }
                out.append(contentsOf: e.value)
            }
            out.padToFourBytes()
            let words = (out.count - headerAt - 4) / 4
            guard words <= 0xFFFF else { throw .unencodable(reason: "extension too long") }
            out.setBigEndian(UInt16(words), at: headerAt + 2)
        }
        out.append(contentsOf: payload)
        if paddingLength > 0 {
            out.append(contentsOf: repeatElement(0, count: paddingLength - 1))
            out.append(UInt8(paddingLength))
        }
        try self.init(parsing: out)
    }
}
