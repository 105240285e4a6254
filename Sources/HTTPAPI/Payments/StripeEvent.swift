import Domain
import MarqueeJSON

/// What Marquee reads from a Stripe event (everything else in the payload is ignored).
public struct StripeEvent: Sendable, Equatable {
    public var id: String
    public var type: String
    /// For checkout sessions: the purchase it asks for, or why it credits nothing.
    public var checkout: Result<Checkout, Ignored>?

    public struct Checkout: Sendable, Equatable {
        public var sessionId: String
        public var accountId: String
        public var packageId: String
        public var amount: Money
        public init(sessionId: String, accountId: String, packageId: String, amount: Money) {
            self.sessionId = sessionId; self.accountId = accountId; self.packageId = packageId; self.amount = amount
        }
    }

    public struct Ignored: Error, Sendable, Equatable { public var reason: String }

    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case invalid(String)
        public var description: String { if case .invalid(let why) = self { return why }; return "" }
    }

    /// Event types that can credit tokens: a completed checkout that is paid, or the later
    /// success of a delayed payment method.
    public static let creditingTypes: Set<String> = ["checkout.session.completed", "checkout.session.async_payment_succeeded"]

    public init(json bytes: [UInt8]) throws(ParseError) {
        let root: JSONValue
        do { root = try JSONValue(parsing: bytes) } catch { throw .invalid("the body is not JSON: \(error)") }
        guard let id = root["id"]?.stringValue, !id.isEmpty, id.utf8.count <= 255 else { throw .invalid("the event has no id") }
        guard let type = root["type"]?.stringValue else { throw .invalid("the event has no type") }
        self.id = id
        self.type = type
        guard Self.creditingTypes.contains(type) else { checkout = nil; return }
        guard let object = root["data"]?["object"], object.objectValue != nil else { throw .invalid("the event has no data.object") }
        checkout = Self.checkout(object)
    }

    static func checkout(_ object: JSONValue) -> Result<Checkout, Ignored> {
        guard let sessionId = object["id"]?.stringValue else { return .failure(Ignored(reason: "the checkout session has no id")) }
        guard object["payment_status"]?.stringValue == "paid" else {
            return .failure(Ignored(reason: "the checkout session is not paid yet (payment_status \(object["payment_status"]?.stringValue ?? "missing"))"))
        }
        guard let account = object["client_reference_id"]?.stringValue, !account.isEmpty else {
            return .failure(Ignored(reason: "the checkout session has no client_reference_id (the Marquee account id)"))
        }
        guard let package = object["metadata"]?["package"]?.stringValue, !package.isEmpty else {
            return .failure(Ignored(reason: "the checkout session has no metadata.package"))
        }
        guard let total = object["amount_total"]?.int64Value, let currency = object["currency"]?.stringValue else {
            return .failure(Ignored(reason: "the checkout session has no amount_total and currency"))
        }
        return .success(Checkout(sessionId: sessionId, accountId: account, packageId: package,
                                 amount: Money(currency: currency.uppercased(), minor: total)))
    }
}
