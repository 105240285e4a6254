#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CMediaIO
import NIOCore

/// A socket address packed once as the kernel wants it (a `sockaddr_in` or `sockaddr_in6`), so
/// sending a copy to a viewer is a 32-byte copy rather than a walk through `SocketAddress`.
struct PackedSocketAddress: Sendable, Equatable {
    static let size = 32  // a sockaddr_in6 (28 bytes), rounded up
    var bytes: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    var length: Int32 = 0

    init() {}

    init(_ address: SocketAddress) {
        address.withSockAddr { raw, size in
            let size = min(size, Self.size)
            withUnsafeMutableBytes(of: &bytes) { $0.baseAddress!.copyMemory(from: raw, byteCount: size) }
            length = Int32(size)
        }
    }

    static func == (a: Self, b: Self) -> Bool {
        a.length == b.length && a.bytes.0 == b.bytes.0 && a.bytes.1 == b.bytes.1 && a.bytes.2 == b.bytes.2 && a.bytes.3 == b.bytes.3
    }
}

/// Outgoing datagrams written in place and sent together: up to `slots` datagrams of at most
/// `slotSize` bytes each, in memory allocated once, leaving in one `sendmmsg` on the media
/// socket's descriptor when full or flushed. A fan-out writes each viewer's copy straight into
/// a slot and encrypts it there, so a copy costs no allocation and no further copy; other
/// datagrams (STUN, DTLS, RTCP) are copied into a slot.
///
/// Without a descriptor the buffer collects the datagrams instead of sending them (the router's
/// tests, and a router not yet attached to a socket).
///
/// One thread at a time: the media loop, or a fan-out helper for the buffer it owns.
final class SendBuffer: @unchecked Sendable {
    /// Room per datagram: a 1,500-byte packet, its rewritten header's growth and the SRTP tag fit.
    static let slotSize = 2048
    let slots: Int
    let descriptor: CInt?
    private let memory: UnsafeMutableRawPointer
    private var offsets: [Int32]
    private var lengths: [Int32]
    private let addresses: UnsafeMutableRawPointer
    private var addressLengths: [Int32]
    private(set) var count = 0
    /// Collecting (no descriptor): where each slot's datagram goes, and what was flushed.
    private var destinations: [SocketAddress] = []
    private(set) var collected: [MediaRouter.Datagram] = []
    /// What this buffer's thread did in the fan-outs since the router last read it.
    var tally = FanOutTally()

    init(descriptor: CInt?, slots: Int = 64) {
        self.descriptor = descriptor
        self.slots = slots
        memory = .allocate(byteCount: slots * Self.slotSize, alignment: 16)
        addresses = .allocate(byteCount: slots * PackedSocketAddress.size, alignment: 16)
        offsets = (0..<slots).map { Int32($0 * Self.slotSize) }
        lengths = [Int32](repeating: 0, count: slots)
        addressLengths = [Int32](repeating: 0, count: slots)
    }

    deinit {
        memory.deallocate()
        addresses.deallocate()
    }

    /// The next free slot (flushing first when none is left), to write one datagram into and
    /// then `commit`.
    func nextSlot() -> UnsafeMutableRawBufferPointer {
        if count == slots { flush() }
        return UnsafeMutableRawBufferPointer(start: memory + count * Self.slotSize, count: Self.slotSize)
    }

    /// The datagram written into `nextSlot()` is `length` bytes, to `packed` (`address` when collecting).
    func commit(length: Int, to packed: PackedSocketAddress, address: @autoclosure () -> SocketAddress) {
        lengths[count] = Int32(length)
        var bytes = packed.bytes
        withUnsafeBytes(of: &bytes) { (addresses + count * PackedSocketAddress.size).copyMemory(from: $0.baseAddress!, byteCount: PackedSocketAddress.size) }
        addressLengths[count] = packed.length
        if descriptor == nil { destinations.append(address()) }
        count += 1
    }

    /// Copies a datagram in (it is dropped, and counted, when longer than a slot).
    func append(_ bytes: [UInt8], to address: SocketAddress) {
        guard bytes.count <= Self.slotSize else { tally.tooLong += 1; return }
        let slot = nextSlot()
        bytes.withUnsafeBytes { slot.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        commit(length: bytes.count, to: PackedSocketAddress(address), address: address)
    }

    /// Sends (or collects) what the slots hold. What the socket buffer could not take is
    /// counted in `tally.sendFailures`.
    func flush() {
        guard count > 0 else { return }
        defer { count = 0 }
        guard let descriptor else {
            for index in 0..<count {
                let start = memory + index * Self.slotSize
                collected.append((Array(UnsafeRawBufferPointer(start: start, count: Int(lengths[index]))), destinations[index]))
            }
            destinations.removeAll(keepingCapacity: true)
            return
        }
        let sent = mq_send_batch(descriptor, memory.assumingMemoryBound(to: UInt8.self), offsets, lengths,
                                 addresses.assumingMemoryBound(to: UInt8.self), Int32(PackedSocketAddress.size), addressLengths, Int32(count))
        tally.sendFailures += count - max(0, Int(sent))
    }

    /// What was collected (without a descriptor) since the last call.
    func takeCollected() -> [MediaRouter.Datagram] {
        defer { collected.removeAll() }
        return collected
    }

    /// A nonblocking UDP socket bound to `host:port` with address reuse, to hand to NIO
    /// (`DatagramBootstrap.withBoundSocket`) and to keep for sending.
    static func boundSocket(host: String, port: Int) throws -> CInt {
        let address = try SocketAddress.makeAddressResolvingHost(host, port: port)
        let family = address.protocol == .inet6 ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
        var one: CInt = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<CInt>.size))
        let bound = address.withSockAddr { bind(fd, $0, socklen_t($1)) }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw IOError(errnoCode: code, reason: "bind \(host):\(port)")
        }
        return fd
    }
}

/// What one thread did during fan-outs, merged into the router's counters afterwards (helpers
/// never touch the router's counters).
struct FanOutTally: Sendable, Equatable {
    var forwarded = 0
    var protectFailures = 0
    var sendFailures = 0
    /// Datagrams longer than a send buffer's slot, dropped.
    var tooLong = 0
    var switchesUp = 0
    var switchesDown = 0
}
