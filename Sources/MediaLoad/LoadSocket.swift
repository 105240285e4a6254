import CMediaIO
import Glibc

/// A nonblocking IPv4 UDP socket of the load generator: one per simulated peer, so each has its
/// own 5-tuple, as a browser's would. The kernel stamps every received datagram
/// (`SO_TIMESTAMPNS`, CLOCK_REALTIME), so latency is measured from the packet's arrival, not from
/// when the harness got round to reading it.
struct LoadSocket {
    let fd: Int32
    let port: UInt16

    init(bindTo ip: String) throws(LoadError) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw LoadError("socket: errno \(errno)") }
        _ = mq_enable_timestamps(fd)
        var buffer: Int32 = 1 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, socklen_t(MemoryLayout<Int32>.size))
        var address = try LoadSocket.address(ip, port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { Glibc.close(fd); throw LoadError("bind \(ip): errno \(errno)") }
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        self.port = UInt16(bigEndian: local.sin_port)
    }

    static func address(_ ip: String, port: UInt16) throws(LoadError) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, ip, &address.sin_addr) == 1 else { throw LoadError("not an IPv4 address: \(ip)") }
        return address
    }

    /// Sends one datagram; a full socket buffer counts as a drop (the caller counts it).
    @discardableResult
    func send(_ bytes: [UInt8], to address: sockaddr_in) -> Bool {
        var target = address
        let sent = bytes.withUnsafeBytes { raw in
            withUnsafePointer(to: &target) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT), $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        return sent == bytes.count
    }

    func close() { _ = Glibc.close(fd) }
}

/// A receive batch for `recvmmsg`: fixed buffers allocated once and reused for every socket
/// the loop drains (the call itself is in CMediaLoad, behind _GNU_SOURCE).
final class ReceiveBatch {
    static let slots = 32
    static let bufferSize = 2048
    private let buffers = UnsafeMutablePointer<UInt8>.allocate(capacity: slots * bufferSize)
    private var lengths = [Int32](repeating: 0, count: slots)
    private var arrivals = [Int64](repeating: 0, count: slots)
    private var addresses = [UInt32](repeating: 0, count: slots)
    private var ports = [UInt16](repeating: 0, count: slots)

    deinit { buffers.deallocate() }

    /// Reads up to `slots` datagrams; calls `body(bytes, arrivalNanos, source)` for each (the bytes
    /// may be changed in place, e.g. decrypted), and
    /// returns how many it read (0 when the socket is empty).
    func drain(_ fd: Int32, _ body: (UnsafeMutableRawBufferPointer, Int64, sockaddr_in) -> Void) -> Int {
        let count = mq_recv_batch(fd, buffers, Int32(Self.bufferSize), Int32(Self.slots), &lengths, &arrivals, &addresses, &ports)
        guard count > 0 else { return 0 }
        for i in 0..<Int(count) {
            var source = sockaddr_in()
            source.sin_family = sa_family_t(AF_INET)
            source.sin_addr.s_addr = addresses[i]
            source.sin_port = ports[i]
            let arrival = arrivals[i] != 0 ? arrivals[i] : LoadClock.realtimeNanos()
            body(UnsafeMutableRawBufferPointer(start: buffers + i * Self.bufferSize, count: Int(lengths[i])), arrival, source)
        }
        return Int(count)
    }
}

/// Clocks of the harness: CLOCK_REALTIME for latency (the kernel's receive stamps use it),
/// CLOCK_MONOTONIC for timers, and this thread's or process's CPU time.
public enum LoadClock {
    public static func realtimeNanos() -> Int64 { nanos(CLOCK_REALTIME) }
    public static func monotonicNanos() -> Int64 { nanos(CLOCK_MONOTONIC) }
    static func threadCPUNanos() -> Int64 { nanos(CLOCK_THREAD_CPUTIME_ID) }
    static func processCPUNanos() -> Int64 { nanos(CLOCK_PROCESS_CPUTIME_ID) }
    private static func nanos(_ clock: clockid_t) -> Int64 {
        var now = timespec()
        clock_gettime(clock, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}

public struct LoadError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
