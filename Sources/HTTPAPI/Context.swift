import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The request context of Marquee's router: typed, no string-keyed bags.
public struct APIContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's address, recorded in event meta.
    public var remoteAddress: SocketAddress?
    /// Set by a WebSocket route that accepts the upgrade.
    public let webSocket: WebSocketHandlerReference<APIContext>

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        webSocket = .init()
    }

    public var clientIP: String? { remoteAddress?.ipAddress }
}
