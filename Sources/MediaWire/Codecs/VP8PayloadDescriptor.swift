/// The VP8 payload descriptor (RFC 7741 §4.2) at the start of every VP8 RTP payload.
///
/// ```
///       0 1 2 3 4 5 6 7
///      +-+-+-+-+-+-+-+-+
///      |X|R|N|S|R| PID | (REQUIRED)
///      +-+-+-+-+-+-+-+-+
/// X:   |I|L|T|K| RSV   | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// I:   |M| PictureID   | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
///      |   PictureID   | (present when M = 1: 15-bit picture ID)
///      +-+-+-+-+-+-+-+-+
/// L:   |   TL0PICIDX   | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// T/K: |TID|Y| KEYIDX  | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// ```
public struct VP8PayloadDescriptor: Sendable, Hashable {
    /// N: the frame can be discarded without affecting others.
    public var nonReference: Bool
    /// S: this packet starts a VP8 partition.
    public var startOfPartition: Bool
    /// PID: partition index (0–7).
    public var partitionIndex: UInt8
    /// I: 7- or 15-bit picture ID.
    public var pictureID: UInt16?
    /// M: whether `pictureID` is written in 15 bits (browsers always use 15).
    public var pictureIDIs15Bit: Bool
    /// L: temporal level zero index.
    public var tl0PictureIndex: UInt8?
    /// T: temporal layer index (0–3).
    public var temporalLayerID: UInt8?
    /// Y: layer sync (meaningful with T).
    public var layerSync: Bool
    /// K: temporal key frame index (0–31).
    public var keyIndex: UInt8?

    public init(nonReference: Bool = false, startOfPartition: Bool, partitionIndex: UInt8 = 0, pictureID: UInt16? = nil,
                pictureIDIs15Bit: Bool = true, tl0PictureIndex: UInt8? = nil, temporalLayerID: UInt8? = nil,
                layerSync: Bool = false, keyIndex: UInt8? = nil) {
        self.nonReference = nonReference
        self.startOfPartition = startOfPartition
        self.partitionIndex = partitionIndex
        self.pictureID = pictureID
        self.pictureIDIs15Bit = pictureIDIs15Bit
        self.tl0PictureIndex = tl0PictureIndex
        self.temporalLayerID = temporalLayerID
        self.layerSync = layerSync
        self.keyIndex = keyIndex
        let extended = pictureID != nil || tl0PictureIndex != nil || temporalLayerID != nil || keyIndex != nil
        var size = extended ? 2 : 1
        if pictureID != nil { pictureIDOffset = size; size += pictureIDIs15Bit ? 2 : 1 }
        if tl0PictureIndex != nil { tl0PictureIndexOffset = size; size += 1 }
        if temporalLayerID != nil || keyIndex != nil { size += 1 }
        self.size = size
    }

    /// Bytes the descriptor occupies; the VP8 payload (header or partition data) follows.
    public private(set) var size: Int = 1

    /// Where PictureID and TL0PICIDX sit (for in-place rewrites), relative to the payload.
    public private(set) var pictureIDOffset: Int?
    public private(set) var tl0PictureIndexOffset: Int?

    /// Parses the descriptor at the start of `payload` (the RTP payload).
    public init(parsing payload: UnsafeRawBufferPointer) throws(CodecPayloadError) {
        guard payload.count >= 1 else { throw .packetTooShort(needed: 1, got: 0) }
        let b0 = payload[0]
        nonReference = b0 & 0x20 != 0
        startOfPartition = b0 & 0x10 != 0
        partitionIndex = b0 & 0x07
        pictureIDIs15Bit = false
        layerSync = false
        var o = 1
        guard b0 & 0x80 != 0 else { return }
        guard payload.count >= 2 else { throw .packetTooShort(needed: 2, got: payload.count) }
        let x = payload[1]
        o = 2
        if x & 0x80 != 0 {
            guard payload.count >= o + 1 else { throw .packetTooShort(needed: o + 1, got: payload.count) }
            pictureIDOffset = o
            if payload[o] & 0x80 != 0 {
                guard payload.count >= o + 2 else { throw .packetTooShort(needed: o + 2, got: payload.count) }
                pictureIDIs15Bit = true
                pictureID = UInt16(payload[o] & 0x7F) << 8 | UInt16(payload[o + 1])
                o += 2
            } else {
                pictureID = UInt16(payload[o])
                o += 1
            }
        }
        if x & 0x40 != 0 {
            guard payload.count >= o + 1 else { throw .packetTooShort(needed: o + 1, got: payload.count) }
            tl0PictureIndexOffset = o
            tl0PictureIndex = payload[o]
            o += 1
        }
        if x & 0x30 != 0 {
            guard payload.count >= o + 1 else { throw .packetTooShort(needed: o + 1, got: payload.count) }
            let b = payload[o]
            if x & 0x20 != 0 {
                temporalLayerID = b >> 6
                layerSync = b & 0x20 != 0
            }
            if x & 0x10 != 0 { keyIndex = b & 0x1F }
            o += 1
        }
        size = o
    }

    public init(parsing payload: some Collection<UInt8>) throws(CodecPayloadError) {
        let result: Result<VP8PayloadDescriptor, CodecPayloadError>? = payload.withContiguousStorageIfAvailable { buffer in
            Result { () throws(CodecPayloadError) in try VP8PayloadDescriptor(parsing: UnsafeRawBufferPointer(buffer)) }
        }
        if let result {
            self = try result.get()
        } else {
            self = try VP8PayloadDescriptor(parsing: Array(payload))
        }
    }

    /// Appends the descriptor (X and the optional bytes only when a field needs them).
    public func write(to out: inout [UInt8]) {
        let hasI = pictureID != nil, hasL = tl0PictureIndex != nil
        let hasT = temporalLayerID != nil, hasK = keyIndex != nil
        let extended = hasI || hasL || hasT || hasK
        out.append((extended ? 0x80 : 0) | (nonReference ? 0x20 : 0) | (startOfPartition ? 0x10 : 0) | partitionIndex & 0x07)
        guard extended else { return }
        out.append((hasI ? 0x80 : 0) | (hasL ? 0x40 : 0) | (hasT ? 0x20 : 0) | (hasK ? 0x10 : 0))
        if let pictureID {
            if pictureIDIs15Bit {
                out.append(0x80 | UInt8(pictureID >> 8 & 0x7F))
                out.append(UInt8(truncatingIfNeeded: pictureID))
            } else {
                out.append(UInt8(pictureID & 0x7F))
            }
        }
        if let tl0PictureIndex { out.append(tl0PictureIndex) }
        if hasT || hasK {
            out.append((temporalLayerID ?? 0) << 6 & 0xC0 | (layerSync ? 0x20 : 0) | (keyIndex ?? 0) & 0x1F)
        }
    }

    /// True when this packet starts a key frame: S=1, partition 0, and the VP8 payload
    /// header's P bit (bit 0 of its first byte, RFC 6386 §9.1) is 0.
    public static func isKeyframeStart(payload: UnsafeRawBufferPointer) -> Bool {
        guard let d = try? VP8PayloadDescriptor(parsing: payload),
              d.startOfPartition, d.partitionIndex == 0, payload.count > d.size else { return false }
        return payload[d.size] & 0x01 == 0
    }

    public static func isKeyframeStart(payload: some Collection<UInt8>) -> Bool {
        payload.withContiguousStorageIfAvailable { isKeyframeStart(payload: UnsafeRawBufferPointer($0)) }
            ?? isKeyframeStart(payload: Array(payload))
    }

    /// Rewrites PictureID and/or TL0PICIDX in place, keeping their width: a 7-bit ID is
    /// written modulo 128, a 15-bit one modulo 32768 (RFC 7741 §4.2).
    public static func rewrite(in payload: UnsafeMutableRawBufferPointer, pictureID: UInt16? = nil,
                               tl0PictureIndex: UInt8? = nil) throws(CodecPayloadError) {
        let d = try VP8PayloadDescriptor(parsing: UnsafeRawBufferPointer(payload))
        if let pictureID {
            guard let o = d.pictureIDOffset else { throw .fieldAbsent("PictureID") }
            if d.pictureIDIs15Bit {
                payload[o] = 0x80 | UInt8(pictureID >> 8 & 0x7F)
                payload[o + 1] = UInt8(truncatingIfNeeded: pictureID)
            } else {
                payload[o] = UInt8(pictureID & 0x7F)
            }
        }
        if let tl0PictureIndex {
            guard let o = d.tl0PictureIndexOffset else { throw .fieldAbsent("TL0PICIDX") }
            payload[o] = tl0PictureIndex
        }
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.nonReference == b.nonReference && a.startOfPartition == b.startOfPartition && a.partitionIndex == b.partitionIndex
            && a.pictureID == b.pictureID && (a.pictureID == nil || a.pictureIDIs15Bit == b.pictureIDIs15Bit)
            && a.tl0PictureIndex == b.tl0PictureIndex && a.temporalLayerID == b.temporalLayerID
            && (a.temporalLayerID == nil || a.layerSync == b.layerSync) && a.keyIndex == b.keyIndex
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(startOfPartition)
        hasher.combine(partitionIndex)
        hasher.combine(pictureID)
    }
}
