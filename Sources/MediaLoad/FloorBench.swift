import CMediaIO
import Foundation
import Glibc
import MediaCrypto

/// The two costs every SFU on this box pays per forwarded packet, measured in the same run as
/// the servers so their figures can be read against them:
/// - the kernel's: one socket sending the same datagrams (same size, same rate, one `sendmmsg`
///   per fan-out) to N loopback sockets that a second thread drains. On loopback the receiving
///   half (the device, UDP delivery, waking the reader) runs in the sender's system call, so it
///   is charged to the sender, as it is to a server;
/// - libsrtp2's `srtp_protect` of one packet with AEAD_AES_128_GCM (Debian builds libsrtp2 on
///   NSS), as the SFU encrypts each viewer's copy.
public enum FloorBench {
    /// CPU time of the sending thread per datagram, microseconds.
    public static func sendmmsg(receivers count: Int, seconds: Double, packetsPerSecond: Int = 150, datagramBytes: Int = 1_044) throws(LoadError) -> Double {
        let sender = try LoadSocket(bindTo: "127.0.0.1")
        var receivers: [LoadSocket] = []
        defer { sender.close(); receivers.forEach { $0.close() } }
        for _ in 0..<count { receivers.append(try LoadSocket(bindTo: "127.0.0.1")) }
        let epoll = mq_epoll_create()
        defer { close(epoll) }
        for (index, receiver) in receivers.enumerated() { _ = mq_epoll_add(epoll, receiver.fd, UInt64(index)) }

        final class Flag: @unchecked Sendable { var stop = false; let lock = NSLock() }
        let flag = Flag()
        let fds = receivers.map(\.fd)
        let drainer = Thread {
            let batch = ReceiveBatch()
            var tags = [UInt64](repeating: 0, count: 64)
            while !flag.lock.withLock({ flag.stop }) {
                let ready = mq_epoll_wait(epoll, &tags, 64, 20)
                for i in 0..<max(0, Int(ready)) {
                    while batch.drain(fds[Int(tags[i])], { _, _, _ in }) == ReceiveBatch.slots {}
                }
            }
        }
        drainer.start()
        defer { flag.lock.withLock { flag.stop = true } }

        // one fan-out: the same bytes to every receiver, as a server's copies are
        let payload = [UInt8](repeating: 0x5A, count: datagramBytes)
        let data = [UInt8]((0..<count).flatMap { _ in payload })
        let offsets = (0..<count).map { Int32($0 * datagramBytes) }
        let lengths = [Int32](repeating: Int32(datagramBytes), count: count)
        var addresses = [UInt8](repeating: 0, count: count * 32)
        for (index, receiver) in receivers.enumerated() {
            var address = try LoadSocket.address("127.0.0.1", port: receiver.port)
            withUnsafeBytes(of: &address) { raw in
                addresses.withUnsafeMutableBytes { ($0.baseAddress! + index * 32).copyMemory(from: raw.baseAddress!, byteCount: raw.count) }
            }
        }
        let addressLengths = [Int32](repeating: Int32(MemoryLayout<sockaddr_in>.size), count: count)
        let interval = 1_000_000_000 / Int64(packetsPerSecond)
        let fanOuts = Int(seconds * Double(packetsPerSecond))
        var sent = 0
        let cpu0 = LoadClock.threadCPUNanos()
        var next = LoadClock.monotonicNanos()
        for _ in 0..<fanOuts {
            sent += max(0, Int(mq_send_batch(sender.fd, data, offsets, lengths, addresses, 32, addressLengths, Int32(count))))
            next += interval
            let wait = next - LoadClock.monotonicNanos()
            if wait > 0 { usleep(UInt32(wait / 1_000)) }
        }
        let cpu = LoadClock.threadCPUNanos() - cpu0
        guard sent > 0 else { throw LoadError("sendmmsg sent nothing") }
        return Double(cpu) / 1_000 / Double(sent)
    }

    /// CPU time of one `srtp_protect` of a `payloadBytes` RTP packet (with the copy of the
    /// packet into the buffer it is encrypted in, as the SFU copies), microseconds. With
    /// `sessions` > 1 each packet is encrypted once per session in turn, as a fan-out encrypts
    /// each viewer's copy with that viewer's keys (so caches see what they see in a server).
    public static func srtpProtect(profile: SRTPProfile = .aeadAes128Gcm, sessions count: Int = 1, packets: Int = 20_000,
                                   payloadBytes: Int = 1_000) throws(LoadError) -> Double {
        var sessions: [SRTPSession] = []
        do {
            for index in 0..<max(1, count) {
                sessions.append(try SRTPSession(profile: profile, key: (0..<profile.keyLength).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ index) },
                                                salt: (0..<profile.saltLength).map { UInt8(truncatingIfNeeded: $0 &+ index) }, direction: .outbound))
            }
        } catch { throw LoadError("SRTP: \(error)") }
        var source = VP8Source(ssrc: 0xABCD, payloadBytes: payloadBytes)
        let rounds = max(1, packets / sessions.count)
        let plain = (0..<rounds).map { _ in source.next(sendNanos: 0) }  // new sequence numbers: libsrtp refuses reuse
        let capacity = 12 + payloadBytes + 64
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        let start = LoadClock.threadCPUNanos()
        for packet in plain {
            for session in sessions {
                packet.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                do { _ = try session.protect(rtp: buffer, length: packet.count, capacity: capacity) } catch { throw LoadError("protect: \(error)") }
            }
        }
        return Double(LoadClock.threadCPUNanos() - start) / 1_000 / Double(plain.count * sessions.count)
    }
}
