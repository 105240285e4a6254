import Hummingbird
import NIOCore

/// The request context of Marquee's router: typed, no string-keyed bags.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's address, recorded in event meta.
    public var remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    public var clientIP: String? { remoteAddress?.ipAddress }
}
