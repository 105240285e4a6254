/// Source description (RFC 3550 §6.5, PT 202): per source, a list of items; browsers send
/// one CNAME each.
///
/// ```
/// |V=2|P|    SC   |  PT=SDES=202  |             length            |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                          SSRC/CSRC_1                          |
/// |     CNAME=1   |     length    | user and domain name        ...
/// |  END=0 (one or more, to the next 32-bit boundary)             |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// ```
public struct RTCPSourceDescription: Sendable, Hashable {
    public struct Item: Sendable, Hashable {
        /// 1 CNAME, 2 NAME, 3 EMAIL, 4 PHONE, 5 LOC, 6 TOOL, 7 NOTE, 8 PRIV.
        public var type: UInt8
        public var value: [UInt8]

        public init(type: UInt8, value: [UInt8]) {
            self.type = type
            self.value = value
        }

        public static let cnameType: UInt8 = 1
        public static func cname(_ text: String) -> Item { Item(type: cnameType, value: Array(text.utf8.prefix(255))) }
    }

    public struct Chunk: Sendable, Hashable {
        public var source: UInt32
        public var items: [Item]

        public init(source: UInt32, items: [Item]) {
            self.source = source
            self.items = items
        }

        /// The CNAME item as text, if present and valid UTF-8.
        public var cname: String? {
            items.first { $0.type == Item.cnameType }.flatMap { String(validating: $0.value, as: UTF8.self) }
        }
    }

    public var chunks: [Chunk]

    public init(chunks: [Chunk]) {
        self.chunks = chunks
    }

    public init(chunkCount: UInt8, body: UnsafeRawBufferPointer) throws(RTCPError) {
        let pt = RTCPPacketType.sourceDescription
        chunks = []
        var o = 0
        for _ in 0..<chunkCount {
            try RTCPWriter.require(body, o + 4, pt, "chunk SSRC")
            var chunk = Chunk(source: MediaWireBytes.uint32(body, o), items: [])
            o += 4
            while true {
                try RTCPWriter.require(body, o + 1, pt, "SDES item")
                let type = body[o]
                if type == 0 {
                    // END, then null octets up to the next 32-bit boundary.
                    let next = (o + 4) & ~3
                    try RTCPWriter.require(body, next, pt, "chunk padding")
                    guard body[o..<next].allSatisfy({ $0 == 0 }) else {
                        throw .malformed(packetType: pt, reason: "non-zero chunk padding")
                    }
                    o = next
                    break
                }
                try RTCPWriter.require(body, o + 2, pt, "SDES item length")
                let length = Int(body[o + 1])
                try RTCPWriter.require(body, o + 2 + length, pt, "SDES item value")
                chunk.items.append(Item(type: type, value: Array(body[o + 2..<o + 2 + length])))
                o += 2 + length
            }
            chunks.append(chunk)
        }
        guard o == body.count else { throw .malformed(packetType: pt, reason: "\(body.count - o) bytes after the chunks") }
    }

    public func write(to out: inout [UInt8]) throws(RTCPError) {
        let start = try RTCPWriter.begin(&out, count: UInt8(clamping: chunks.count), packetType: RTCPPacketType.sourceDescription)
        for chunk in chunks {
            out.appendBigEndian(chunk.source)
            for item in chunk.items {
                guard item.type != 0, item.value.count <= 255 else {
                    throw .unencodable(reason: "SDES item type \(item.type) with \(item.value.count) bytes")
                }
                out.append(item.type)
                out.append(UInt8(item.value.count))
                out.append(contentsOf: item.value)
            }
            out.append(0)
            out.padToFourBytes()
        }
        try RTCPWriter.finish(&out, start: start)
    }
}

/// Goodbye (RFC 3550 §6.6, PT 203): sources leaving, with an optional reason.
///
/// ```
/// |V=2|P|    SC   |   PT=BYE=203  |             length            |
/// |                           SSRC/CSRC                           |
/// :                              ...                              :
/// |     length    |               reason for leaving            ... (opt)
/// ```
public struct RTCPGoodbye: Sendable, Hashable {
    public var sources: [UInt32]
    public var reason: [UInt8]?

    public init(sources: [UInt32], reason: String? = nil) {
        self.sources = sources
        self.reason = reason.map { Array($0.utf8.prefix(255)) }
    }

    public init(sourceCount: UInt8, body: UnsafeRawBufferPointer) throws(RTCPError) {
        let pt = RTCPPacketType.goodbye
        let n = Int(sourceCount)
        try RTCPWriter.require(body, 4 * n, pt, "\(n) sources")
        sources = (0..<n).map { MediaWireBytes.uint32(body, 4 * $0) }
        let rest = body.count - 4 * n
        if rest == 0 {
            reason = nil
        } else {
            let length = Int(body[4 * n])
            try RTCPWriter.require(body, 4 * n + 1 + length, pt, "reason")
            reason = Array(body[4 * n + 1..<4 * n + 1 + length])
            let end = 4 * n + 1 + length
            guard body.count - end < 4, body[end...].allSatisfy({ $0 == 0 }) else {
                throw .malformed(packetType: pt, reason: "bytes after the reason")
            }
        }
    }

    public func write(to out: inout [UInt8]) throws(RTCPError) {
        let start = try RTCPWriter.begin(&out, count: UInt8(clamping: sources.count), packetType: RTCPPacketType.goodbye)
        for s in sources { out.appendBigEndian(s) }
        if let reason {
            guard reason.count <= 255 else { throw .unencodable(reason: "BYE reason over 255 bytes") }
            out.append(UInt8(reason.count))
            out.append(contentsOf: reason)
            out.padToFourBytes()
        }
        try RTCPWriter.finish(&out, start: start)
    }
}
