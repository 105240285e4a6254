#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CMediaIO
import NIOCore

/// The media socket's send path. NIO reads the socket; sending goes around NIO's pipeline: the
/// datagrams are copied once into a scratch buffer and leave in `sendmmsg` calls (up to 256
/// datagrams each) on the socket's descriptor. Per datagram that saves a ByteBuffer copy, an
/// envelope and a trip through the channel pipeline, which cost more than the rewriting itself
/// when one packet fans out to hundreds of viewers. Confined to the media event loop, like the
/// router. (A sending thread of its own, the loop handing it each batch, was tried: on this
/// 2-core box it cost ~1 µs more per packet and did not lower the 500-viewer tail latency.)
final class DatagramSender {
    /// Room per address: a sockaddr_in6 (28 bytes), rounded up.
    private static let addressStride = 32
    private var data: [UInt8] = []
    private var offsets: [Int32] = []
    private var lengths: [Int32] = []
    private var addresses: [UInt8] = []
    private var addressLengths: [Int32] = []
    let descriptor: CInt

    init(descriptor: CInt) { self.descriptor = descriptor }

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

    /// Sends every datagram; returns how many could not be sent (the socket buffer was full).
    func send(_ datagrams: [MediaRouter.Datagram]) -> Int {
        guard !datagrams.isEmpty else { return 0 }
        data.removeAll(keepingCapacity: true); offsets.removeAll(keepingCapacity: true); lengths.removeAll(keepingCapacity: true)
        addressLengths.removeAll(keepingCapacity: true); addresses.removeAll(keepingCapacity: true)
        addresses.append(contentsOf: repeatElement(0, count: datagrams.count * Self.addressStride))
        for (index, datagram) in datagrams.enumerated() {
            offsets.append(Int32(data.count))
            lengths.append(Int32(datagram.bytes.count))
            data.append(contentsOf: datagram.bytes)
            let size = addresses.withUnsafeMutableBytes { raw in
                datagram.to.withSockAddr { address, size in
                    let size = min(size, Self.addressStride)
                    (raw.baseAddress! + index * Self.addressStride).copyMemory(from: address, byteCount: size)
                    return size
                }
            }
            addressLengths.append(Int32(size))
        }
        let sent = data.withUnsafeBufferPointer { data in
            addresses.withUnsafeBufferPointer { addresses in
                mq_send_batch(descriptor, data.baseAddress, offsets, lengths, addresses.baseAddress, Int32(Self.addressStride),
                              addressLengths, Int32(datagrams.count))
            }
        }
        return datagrams.count - max(0, Int(sent))
    }
}
