/// The publisher's recent packets of one track (plaintext RTP), by sequence number, so viewers'
/// NACKs are answered here and never forwarded upstream. A fixed ring: no allocation per
/// packet beyond the stored copy, and old entries are overwritten.
struct PacketCache {
    private var slots: [(sequence: UInt16, bytes: [UInt8])?]

    init(capacity: Int = 1024) { slots = Array(repeating: nil, count: capacity) }

    mutating func store(_ sequence: UInt16, _ bytes: [UInt8]) {
        slots[Int(sequence) % slots.count] = (sequence, bytes)
    }

    func packet(_ sequence: UInt16) -> [UInt8]? {
        guard let slot = slots[Int(sequence) % slots.count], slot.sequence == sequence else { return nil }
        return slot.bytes
    }
}
