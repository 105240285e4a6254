#if canImport(Glibc)
import Glibc
#endif
import MediaCrypto
import MediaWire
import NIOCore
import Synchronization
import Testing
@testable import SFU

/// A value the fan-out's threads update under a lock (a `Mutex` cannot be captured by the
/// escaping chunk closure itself).
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}

/// The fan-out's threads and its send buffers: every chunk exactly once, every copy to its
/// viewer in order, the same copies with helpers as without, real sockets for the sends.
@Suite("SFU fan-out: threads and send buffers")
struct FanOutTests {
    typealias F = MediaForwardingTests

    @Test(arguments: [1, 2, 4])
    func everyChunkRunsExactlyOnceAndAllIsDoneWhenRunReturns(threads: Int) {
        let pool = FanOutPool(descriptor: nil, threads: threads, parallelFrom: 2)
        let ran = Locked<[Int: [Int]]>([:])  // chunk → buffers that ran it, this generation
        let byBuffer = Locked<[Int]>(Array(repeating: 0, count: threads))
        for generation in 0..<300 {
            let viewers = 1 + generation % 9 * 40  // 1 … 321 viewers: 1 … 11 chunks
            let chunks = (viewers + FanOutPool.chunkSize - 1) / FanOutPool.chunkSize
            ran.withLock { $0.removeAll() }
            pool.run(viewers: viewers) { buffer, chunk in
                usleep(50)  // long enough that a helper gets some
                ran.withLock { $0[chunk, default: []].append(buffer) }
                byBuffer.withLock { $0[buffer] += 1 }
            }
            // all of it finished before run returned, each chunk by one thread
            let seen = ran.withLock { $0 }
            #expect(seen.keys.sorted() == Array(0..<chunks), "generation \(generation)")
            #expect(seen.values.allSatisfy { $0.count == 1 }, "generation \(generation): \(seen)")
        }
        let counts = byBuffer.withLock { $0 }
        if threads > 1 {
            #expect(counts.dropFirst().reduce(0, +) > 0, "the helpers took part: \(counts)")
        }
        // stopped: everything on the calling thread
        pool.stop()
        byBuffer.withLock { $0 = Array(repeating: 0, count: threads) }
        pool.run(viewers: 200) { buffer, _ in byBuffer.withLock { $0[buffer] += 1 } }
        #expect(byBuffer.withLock { $0 } == [7] + Array(repeating: 0, count: threads - 1))
    }

    @Test func smallFanOutsStayOnTheLoopsThread() {
        let pool = FanOutPool(descriptor: nil, threads: 2, parallelFrom: 64)
        let buffers = Locked<Set<Int>>([])
        for _ in 0..<50 { pool.run(viewers: 63) { buffer, _ in usleep(100); buffers.withLock { _ = $0.insert(buffer) } } }
        #expect(buffers.withLock { $0 } == [0])
    }

    // MARK: the router with helpers

    /// A router whose publisher ("pub", VP8 on PT 96, transport-cc id 3) has `count` viewers
    /// (transport-cc id 5, outbound SSRC 0x1000 + n), all keyed: viewer n's copies decrypt with
    /// `receivers[n]`.
    static func audience(_ count: Int, pool: FanOutPool) throws
        -> (router: MediaRouter, publisherSends: SRTPSession, pubAddress: SocketAddress, receivers: [SRTPSession], addresses: [SocketAddress]) {
        let router = MediaRouter(config: MediaConfig(), fanOut: pool)
        let publisher = MediaSession(id: "pub", role: .publisher, channelId: "chn_1", accountId: "acc_c",
                                     credentials: .init(localUfrag: "up", localPassword: "ppppppppppppppppppppppp"), remoteUfrag: "rp",
                                     dtls: try DTLSEndpoint(context: MediaRouterTests.context, role: .server, expectedPeerFingerprint: nil),
                                     tracks: [NegotiatedTrack(kind: .video, mid: "0", payloadType: 96, codec: F.vp8)], outboundSSRCs: [:], now: 0)
        try router.add(publisher)
        let pubAddress = try SocketAddress(ipAddress: "127.0.0.1", port: 5000)
        router.attach("pub", to: pubAddress)
        let (k1, s1) = F.key(1)
        publisher.srtpIn = try SRTPSession(profile: F.profile, key: k1, salt: s1, direction: .inbound)
        var receivers: [SRTPSession] = []
        var addresses: [SocketAddress] = []
        for n in 0..<count {
            let viewer = MediaSession(id: "v\(n)", role: .viewer, channelId: "chn_1", accountId: nil,
                                      credentials: .init(localUfrag: "u\(n)", localPassword: "vvvvvvvvvvvvvvvvvvvvvvv"), remoteUfrag: "r\(n)",
                                      dtls: try DTLSEndpoint(context: MediaRouterTests.context, role: .server, expectedPeerFingerprint: nil),
                                      tracks: [NegotiatedTrack(kind: .video, mid: "0", payloadType: 100, codec: F.vp8, transportCCExtensionId: 5)],
                                      outboundSSRCs: [.video: UInt32(0x1000 + n)], now: 0)
            try router.add(viewer)
            let address = try SocketAddress(ipAddress: "127.0.0.1", port: 10_000 + n)
            router.attach("v\(n)", to: address)
            let key = [UInt8](repeating: UInt8(truncatingIfNeeded: n), count: 14) + [UInt8(n >> 8), 7]
            let salt = [UInt8](repeating: UInt8(truncatingIfNeeded: n &* 7), count: 14)
            viewer.srtpOut = try SRTPSession(profile: F.profile, key: key, salt: salt, direction: .outbound)
            receivers.append(try SRTPSession(profile: F.profile, key: key, salt: salt, direction: .inbound))
            addresses.append(address)
        }
        return (router, try SRTPSession(profile: F.profile, key: k1, salt: s1, direction: .outbound), pubAddress, receivers, addresses)
    }

    /// What every viewer decrypted from `frames` VP8 packets (a keyframe first; 7-bit PictureIDs,
    /// which the copies carry as 15-bit ones).
    static func forward(frames: Int, viewers: Int, pool: FanOutPool) throws -> (copies: [[RTPPacket]], forwarded: Int) {
        let (router, publisherSends, pubAddress, receivers, addresses) = try audience(viewers, pool: pool)
        var copies = [[RTPPacket]](repeating: [], count: viewers)
        let index = Dictionary(uniqueKeysWithValues: addresses.enumerated().map { ($1, $0) })
        for n in 0..<frames {
            // VP8 descriptor: X, S, PID present (7-bit), then the VP8 header's first byte (P = 0: key)
            let payload: [UInt8] = [0x90, 0x80, UInt8(n & 0x7F), n == 0 ? 0x00 : 0x01] + Array(repeating: UInt8(n), count: 900 + n)
            var packet = F.rtp(UInt16(40_000 + n), payload: payload)
            try publisherSends.protect(rtp: &packet)
            for datagram in router.receive(packet, from: pubAddress, now: Int64(n) * 33) {
                let viewer = try #require(index[datagram.to])
                var plain = datagram.bytes
                try receivers[viewer].unprotect(rtp: &plain)
                copies[viewer].append(try RTPPacket(parsing: plain))
            }
        }
        return (copies, router.counters.forwarded)
    }

    @Test func withHelpersEveryViewerGetsTheSameCopiesInOrderAsWithout() throws {
        let viewers = 150, frames = 30
        let serial = try Self.forward(frames: frames, viewers: viewers, pool: FanOutPool(descriptor: nil, threads: 1, parallelFrom: 1))
        let parallel = try Self.forward(frames: frames, viewers: viewers, pool: FanOutPool(descriptor: nil, threads: 3, parallelFrom: 2))
        #expect(serial.forwarded == viewers * frames && parallel.forwarded == viewers * frames)
        for viewer in 0..<viewers {
            let (a, b) = (serial.copies[viewer], parallel.copies[viewer])
            try #require(a.count == frames && b.count == frames, "viewer \(viewer): \(a.count), \(b.count)")
            for packets in [a, b] {
                // the viewer's SSRC, consecutive sequence and transport-wide numbers, in order
                #expect(packets.allSatisfy { $0.ssrc == UInt32(0x1000 + viewer) && $0.payloadType == 100 })
                #expect(zip(packets, packets.dropFirst()).allSatisfy { $1.sequenceNumber == $0.sequenceNumber &+ 1 })
                let numbers = packets.compactMap { $0.extensionValue(id: 5).map { UInt16($0[$0.startIndex]) << 8 | UInt16($0[$0.startIndex + 1]) } }
                #expect(numbers.count == frames && zip(numbers, numbers.dropFirst()).allSatisfy { $1 == $0 &+ 1 })
            }
            // the same payloads, PictureIDs renumbered the same way (a random start aside)
            #expect(a.map { Array($0.payload.dropFirst(4)) } == b.map { Array($0.payload.dropFirst(4)) })
            let pictureIDs = { (packets: [RTPPacket]) in packets.map { (UInt16($0.payload[$0.payload.startIndex + 2] & 0x7F) << 8) | UInt16($0.payload[$0.payload.startIndex + 3]) } }
            let steps = { (ids: [UInt16]) in zip(ids, ids.dropFirst()).map { $1 &- $0 } }
            #expect(steps(pictureIDs(a)) == steps(pictureIDs(b)) && steps(pictureIDs(a)).allSatisfy { $0 == 1 })
        }
    }

    // MARK: send buffers on real sockets

    /// A UDP socket on loopback (IPv4 or IPv6) that gives up after a second.
    static func receiver(_ host: String) throws -> (fd: CInt, address: SocketAddress) {
        let fd = try SendBuffer.boundSocket(host: host, port: 0)
        var flags = fcntl(fd, F_GETFL)
        flags &= ~O_NONBLOCK
        _ = fcntl(fd, F_SETFL, flags)
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let port: Int = withUnsafePointer(to: &storage) { pointer in
            host.contains(":") ? pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
                : pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
        return (fd, try SocketAddress(ipAddress: host, port: port))
    }

    static func receive(_ fd: CInt) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count < 0 ? nil : Array(buffer.prefix(count))
    }

    @Test func datagramsLeaveInOrderToIPv4AndIPv6PeersAcrossFullBuffers() throws {
        let sender = try SendBuffer.boundSocket(host: "::", port: 0)  // a dual-stack socket, as with --media-udp [::]:PORT
        let four = try Self.receiver("127.0.0.1"), six = try Self.receiver("::1")
        defer { close(sender); close(four.fd); close(six.fd) }
        let four6 = try SocketAddress(ipAddress: "::ffff:127.0.0.1", port: four.address.port!)  // IPv4 as a dual-stack socket sees it
        let buffer = SendBuffer(descriptor: sender, slots: 16)
        var expected: [(Int, [UInt8])] = []
        for n in 0..<100 {  // more than six buffers' worth: it flushes itself when full
            let bytes = (0..<(20 + n * 13)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ n) }
            if n % 3 == 0 {
                buffer.append(bytes, to: six.address)
                expected.append((6, bytes))
            } else {
                // half written in place, as the fan-out does, half copied in
                if n % 2 == 0 {
                    buffer.append(bytes, to: four6)
                } else {
                    let slot = buffer.nextSlot()
                    bytes.withUnsafeBytes { slot.copyMemory(from: $0) }
                    buffer.commit(length: bytes.count, to: PackedSocketAddress(four6), address: four6)
                }
                expected.append((4, bytes))
            }
        }
        buffer.append([UInt8](repeating: 1, count: SendBuffer.slotSize + 1), to: four6)  // too long for a slot: counted, not sent
        buffer.flush()
        #expect(buffer.count == 0 && buffer.tally.tooLong == 1 && buffer.tally.sendFailures == 0)
        for (family, bytes) in expected.filter({ $0.0 == 4 }) { #expect(Self.receive(four.fd) == bytes, "IPv4 \(family)") }
        for (family, bytes) in expected.filter({ $0.0 == 6 }) { #expect(Self.receive(six.fd) == bytes, "IPv6 \(family)") }
    }

    @Test func withoutASocketTheDatagramsAreCollected() throws {
        let buffer = SendBuffer(descriptor: nil, slots: 4)
        let addresses = try (0..<10).map { try SocketAddress(ipAddress: "10.0.0.\($0)", port: 4000 + $0) }
        for (n, address) in addresses.enumerated() { buffer.append([UInt8(n), 1, 2], to: address) }
        buffer.flush()
        let collected = buffer.takeCollected()
        #expect(collected.map(\.to) == addresses && collected.map(\.bytes) == (0..<10).map { [UInt8($0), 1, 2] })
        #expect(buffer.takeCollected().isEmpty)
    }

    @Test func aPackedAddressIsTheKernelsForm() throws {
        let four = PackedSocketAddress(try SocketAddress(ipAddress: "192.0.2.7", port: 8189))
        #expect(four.length == Int32(MemoryLayout<sockaddr_in>.size))
        withUnsafeBytes(of: four.bytes) { raw in
            let address = raw.load(as: sockaddr_in.self)
            #expect(address.sin_family == sa_family_t(AF_INET) && UInt16(bigEndian: address.sin_port) == 8189)
            #expect(UInt32(bigEndian: address.sin_addr.s_addr) == 0xC000_0207)
        }
        let six = PackedSocketAddress(try SocketAddress(ipAddress: "2001:db8::1", port: 443))
        #expect(six.length == Int32(MemoryLayout<sockaddr_in6>.size) && six != four)
        #expect(PackedSocketAddress(try SocketAddress(ipAddress: "192.0.2.7", port: 8189)) == four)
    }
}
