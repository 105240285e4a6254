import Domain
import Engine
import EventLog
import HTTPTypes
import Hummingbird
import MarqueeCore
import Projections

/// Buying tokens: `GET /api/v1/wallet/packages`, `POST /api/v1/wallet/checkout`,
/// `GET /api/v1/wallet/purchases` and the Stripe webhook receiver
/// `POST /api/v1/payments/stripe/webhook` that turns a paid checkout into `tokens.purchased`.
struct PaymentRoutes: Sendable {
    let deps: APIDependencies
    var auth: Auth { Auth(deps: deps) }
    var sender: CommandSender { CommandSender(deps: deps) }

    struct Packages: Encodable { var packages: [TokenPackage] }
    struct CheckoutBody: Decodable { var package: String }
    /// What the client (or a small server-side step with the Stripe secret key) passes to
    /// Stripe's `POST /v1/checkout/sessions`: the webhook later credits exactly this package.
    struct CheckoutResponse: Encodable {
        struct StripeSession: Encodable {
            struct LineItem: Encodable {
                struct PriceData: Encodable {
                    struct Product: Encodable { var name: String }
                    var currency: String; var unit_amount: Int64; var product_data: Product
                }
                var price_data: PriceData; var quantity: Int
            }
            var mode: String; var client_reference_id: String; var metadata: [String: String]; var line_items: [LineItem]
        }
        var package: TokenPackage
        var stripe: StripeSession
    }
    struct WebhookAnswer: Encodable {
        var received: Bool; var eventId: String; var outcome: String; var purchaseId: String?; var tokens: Int64?; var detail: String?
    }
    struct Purchases: Encodable { var purchases: [PurchaseView] }

    func add(to router: RouterGroup<APIContext>) {
        router.get("wallet/packages") { _, _ in try jsonResponse(Packages(packages: deps.config.domain.tokenPackages)) }
        router.post("wallet/checkout") { request, _ in
            let principal = try await auth.required(request, .walletWrite)
            let body = try await request.decodeJSON(CheckoutBody.self, limit: deps.config.maxBodyBytes)
            guard let package = deps.config.domain.package(id: body.package) else {
                throw Problem(.unprocessableContent, "invalid-value", "Invalid value",
                              detail: "package: no token package '\(body.package)' (GET /api/v1/wallet/packages lists them)")
            }
            let item = CheckoutResponse.StripeSession.LineItem(
                price_data: .init(currency: package.price.currency.lowercased(), unit_amount: package.price.minor,
                                  product_data: .init(name: "\(package.tokens) Marquee tokens")),
                quantity: 1)
            return try jsonResponse(CheckoutResponse(package: package, stripe: .init(
                mode: "payment", client_reference_id: principal.id, metadata: ["package": package.id], line_items: [item])))
        }
        router.get("wallet/purchases") { request, _ in
            let principal = try await auth.required(request, .walletRead)
            try await deps.consistentRead()
            return try jsonResponse(Purchases(purchases: try deps.readModels.withConnection { try ReadModels.purchases(accountId: principal.id, $0) }))
        }
        router.post("payments/stripe/webhook") { request, context in try await stripeWebhook(request, context) }
    }

    /// Verifies `Stripe-Signature` before reading anything; a forged, stale or unsigned request
    /// changes nothing and gets 400. Credits once per Stripe event id; every other event type is
    /// acknowledged (200) and ignored.
    func stripeWebhook(_ request: Request, _ context: APIContext) async throws -> Response {
        guard let secret = deps.config.stripeWebhookSecret else {
            throw Problem(.serviceUnavailable, "payments-not-configured", "Payments not configured",
                          detail: "set MARQUEE_STRIPE_WEBHOOK_SECRET to the endpoint's signing secret to accept Stripe webhooks")
        }
        let payload = try await request.bodyBytes(limit: 512 * 1024)
        guard let header = request.headers[.stripeSignature] else {
            throw Problem(.badRequest, "invalid-signature", "Invalid signature", detail: "the request has no Stripe-Signature header")
        }
        do {
            let signature = try StripeSignature(header: header)
            try signature.verify(payload: payload, secret: secret, nowSeconds: deps.clock.now().milliseconds / 1000)
        } catch {
            throw Problem(.badRequest, "invalid-signature", "Invalid signature", detail: error.description)
        }
        let event: StripeEvent
        do { event = try StripeEvent(json: payload) } catch {
            throw Problem.badRequest("the Stripe event cannot be read: \(error.description)")
        }
        guard let checkout = event.checkout else {
            return try jsonResponse(WebhookAnswer(received: true, eventId: event.id, outcome: "ignored", purchaseId: nil, tokens: nil,
                                                  detail: "Marquee does not act on \(event.type)"))
        }
        let paid: StripeEvent.Checkout
        switch checkout {
        case .failure(let ignored):
            return try jsonResponse(WebhookAnswer(received: true, eventId: event.id, outcome: "ignored", purchaseId: nil, tokens: nil,
                                                  detail: ignored.reason))
        case .success(let value): paid = value
        }
        let appended = try await sender.send(
            .recordPurchase(RecordPurchase(purchaseId: deps.ids.next("pur"), accountId: paid.accountId, packageId: paid.packageId,
                                           amount: paid.amount, provider: "stripe", providerRef: event.id)),
            actor: nil, request: request, context: context)
        guard case .tokensPurchased(let purchase)? = try sender.events(of: appended).first?.1 else {
            return try jsonResponse(WebhookAnswer(received: true, eventId: event.id, outcome: "duplicate", purchaseId: nil, tokens: nil,
                                                  detail: "this Stripe event was already credited"))
        }
        return try jsonResponse(WebhookAnswer(received: true, eventId: event.id, outcome: "credited", purchaseId: purchase.purchaseId,
                                              tokens: purchase.tokens, detail: nil))
    }
}

extension HTTPField.Name {
    static let stripeSignature = HTTPField.Name("Stripe-Signature")!
}
