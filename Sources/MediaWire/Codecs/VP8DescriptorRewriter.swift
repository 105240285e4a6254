/// Keeps one viewer's VP8 numbering continuous while the packets it is sent come from one
/// simulcast layer, then another (RFC 7741 §4.2). Each layer numbers its pictures on its own:
/// PictureID, TL0PICIDX and KEYIDX would jump at a layer switch, and a decoder that sees a
/// PictureID jump takes the frames after it for references it never got and stalls.
///
/// The rewriter maps each source's numbers onto the viewer's: within one source an incoming
/// step (modulo the field's width) becomes the same outgoing step; the first picture after
/// ``newSource()`` gets the number after the last one sent. PictureID always goes out in its
/// 15-bit form, so a viewer never sees the width change when layers differ (a 7-bit source is
/// unwrapped onto the 15-bit count). A value: one per viewer stream, updated in place.
public struct VP8DescriptorRewriter: Sendable, Equatable {
    /// One numbered field: the last incoming and outgoing values, and whether the next value
    /// starts a new source.
    struct Counter: Sendable, Equatable {
        var started = false
        var resync = false
        var lastIn = 0
        var lastOut = 0

        /// `value` from a source counting modulo `inModulus`, as the viewer's count modulo `outModulus`.
        mutating func map(_ value: Int, inModulus: Int, outModulus: Int) -> Int {
            guard started, !resync else {
                lastOut = started ? (lastOut + 1) % outModulus : value % outModulus
                lastIn = value
                started = true
                resync = false
                return lastOut
            }
            // the signed step since the newest value, modulo the source's width (reordering is a
            // small negative step; a duplicate or another packet of the same picture is 0)
            var step = ((value - lastIn) % inModulus + inModulus) % inModulus
            if step >= inModulus / 2 { step -= inModulus }
            let out = ((lastOut + step) % outModulus + outModulus) % outModulus
            if step > 0 { lastIn = value; lastOut = out }
            return out
        }
    }

    var pictureID = Counter()
    var tl0PictureIndex = Counter()
    var keyIndex = Counter()

    public init() {}

    /// The next packet comes from another source (a simulcast layer switch, on its keyframe):
    /// its picture, TL0 picture and key index follow the last ones sent.
    public mutating func newSource() {
        pictureID.resync = true
        tl0PictureIndex.resync = true
        keyIndex.resync = true
    }

    /// Renumbers `descriptor` for the viewer (fields it lacks stay absent).
    public mutating func rewrite(_ descriptor: inout VP8PayloadDescriptor) {
        if let id = descriptor.pictureID {
            let inModulus = descriptor.pictureIDIs15Bit ? 0x8000 : 0x80
            descriptor.pictureID = UInt16(pictureID.map(Int(id), inModulus: inModulus, outModulus: 0x8000))
            descriptor.pictureIDIs15Bit = true
        }
        if let tl0 = descriptor.tl0PictureIndex {
            descriptor.tl0PictureIndex = UInt8(tl0PictureIndex.map(Int(tl0), inModulus: 0x100, outModulus: 0x100))
        }
        if let key = descriptor.keyIndex {
            descriptor.keyIndex = UInt8(keyIndex.map(Int(key & 0x1F), inModulus: 0x20, outModulus: 0x20))
        }
    }

    /// Appends `payload` (a VP8 RTP payload) to `out` with its descriptor renumbered, every
    /// other bit as it came (reserved bits too). A 7-bit PictureID grows to 15 bits (one byte
    /// more). A payload whose descriptor does not parse is appended unchanged (the decoder drops
    /// it, as it would have without us) and false is returned.
    @discardableResult
    public mutating func append(payload: UnsafeRawBufferPointer, to out: inout [UInt8]) -> Bool {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: payload.count + 1))
        let written = out.withUnsafeMutableBytes { write(payload: payload, into: UnsafeMutableRawBufferPointer(rebasing: $0[start...])) }
        out.removeLast(payload.count + 1 - written.length)
        return written.parsed
    }

    /// As ``append(payload:to:)``, into memory the caller owns (a send buffer's slot), which must
    /// have room for `payload.count + 1` bytes: returns how many were written, and whether the
    /// descriptor parsed (when not, the payload is copied unchanged).
    public mutating func write(payload: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> (length: Int, parsed: Bool) {
        precondition(out.count > payload.count, "no room for a VP8 payload of \(payload.count) bytes")
        guard let original = try? VP8PayloadDescriptor(parsing: payload) else {
            out.copyMemory(from: payload)
            return (payload.count, false)
        }
        var renumbered = original
        rewrite(&renumbered)
        guard let o = original.pictureIDOffset, let id = renumbered.pictureID else {
            out.copyMemory(from: payload)
            patch(out, original, renumbered, shift: 0)
            return (payload.count, true)
        }
        UnsafeMutableRawBufferPointer(rebasing: out[..<o]).copyMemory(from: UnsafeRawBufferPointer(rebasing: payload[..<o]))
        out[o] = 0x80 | UInt8(id >> 8 & 0x7F)
        out[o + 1] = UInt8(truncatingIfNeeded: id)
        let after = o + (original.pictureIDIs15Bit ? 2 : 1)
        let rest = UnsafeRawBufferPointer(rebasing: payload[after...])
        UnsafeMutableRawBufferPointer(rebasing: out[(o + 2)...]).copyMemory(from: rest)
        let shift = original.pictureIDIs15Bit ? 0 : 1
        patch(out, original, renumbered, shift: shift)
        return (o + 2 + rest.count, true)
    }

    /// TL0PICIDX and KEYIDX renumbered in place, `shift` bytes after where the original had them.
    private func patch(_ out: UnsafeMutableRawBufferPointer, _ original: VP8PayloadDescriptor, _ renumbered: VP8PayloadDescriptor, shift: Int) {
        if let o = original.tl0PictureIndexOffset, let tl0 = renumbered.tl0PictureIndex { out[o + shift] = tl0 }
        if let key = renumbered.keyIndex {
            let o = original.size - 1 + shift  // the TID|Y|KEYIDX byte ends the descriptor
            out[o] = out[o] & 0xE0 | key & 0x1F
        }
    }
}
