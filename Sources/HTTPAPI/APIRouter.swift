import Hummingbird
import Metrics
import NIOCore

/// Builds the whole HTTP API over its dependencies.
public enum APIRouter {
    public static func build(_ deps: APIDependencies) async throws -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        router.add(middleware: MetricsRecorder(deps: deps))
        router.add(middleware: ProblemMiddleware())
        SystemRoutes(deps: deps).add(to: router)
        Pages.add(to: router)
        MediaRoutes(deps: deps).add(to: router)
        router.get("api/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.bytes)))
        }
        RealtimeRoutes(deps: deps).add(to: router)
        let api = router.group("api/v1")
        let dummyHash = try await Auth.hashPassword(Auth.randomSecret(prefix: ""), cost: deps.config.bcryptCost)
        let accounts = AccountRoutes(deps: deps, dummyHash: dummyHash)
        accounts.add(to: api)
        OAuthRoutes(deps: deps, accounts: accounts).add(to: router)
        AppRoutes(deps: deps).add(to: api)
        WebhookRoutes(deps: deps).add(to: api)
        ChannelRoutes(deps: deps).add(to: api)
        WalletRoutes(deps: deps).add(to: api)
        AdminRoutes(deps: deps).add(to: api)
        SubscriptionRoutes(deps: deps).add(to: api)
        PayoutRoutes(deps: deps).add(to: api)
        PaymentRoutes(deps: deps).add(to: api)
        ChatRoutes(deps: deps).add(to: api)
        PollRoutes(deps: deps).add(to: api)
        AdRoutes(deps: deps).add(to: api)
        return router
    }
}

/// Counts requests by route pattern and status, and times them (Prometheus via swift-metrics).
struct MetricsRecorder: RouterMiddleware {
    let deps: APIDependencies

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let route = context.endpointPath ?? "unmatched"
        let dimensions = [("method", request.method.rawValue), ("route", route), ("status", String(response.status.code))]
        Counter(label: "marquee_http_requests_total", dimensions: dimensions, factory: deps.metricsFactory).increment()
        let elapsed = ContinuousClock.now - start
        Metrics.Timer(label: "marquee_http_request_duration_seconds", dimensions: [("route", route)], factory: deps.metricsFactory)
            .recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        return response
    }
}

/// The OpenAPI 3.1 description of this API (`Sources/HTTPAPI/openapi.yaml`, embedded in the binary).
public enum OpenAPIDocument {
    public static var bytes: [UInt8] { PackageResources.openapi_yaml }
}

/// The browser pages, plain HTML/JS embedded in the binary: `/studio/{slug}` (publish with
/// WHIP), `/watch/{slug}` (play with WHEP, chat, gifts, polls) and `/overlay/gifts` (gift alerts).
enum Pages {
    static func add(to router: Router<APIContext>) {
        @Sendable func serve(_ bytes: [UInt8], _ type: String) -> Response {
            Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.get("studio/:slug") { _, _ in serve(PackageResources.studio_html, "text/html; charset=utf-8") }
        router.get("watch/:slug") { _, _ in serve(PackageResources.watch_html, "text/html; charset=utf-8") }
        router.get("assets/common.js") { _, _ in serve(PackageResources.common_js, "text/javascript; charset=utf-8") }
        router.get("assets/marquee.css") { _, _ in serve(PackageResources.marquee_css, "text/css; charset=utf-8") }
        // An OBS browser source: gift alerts from the realtime feed (`?access_token=…&channel=…`).
        router.get("overlay/gifts") { _, _ in serve(PackageResources.overlay_html, "text/html; charset=utf-8") }
    }
}
