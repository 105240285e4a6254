/// One entry of the gift catalog: a name viewers pick and its price in tokens.
public struct GiftType: Codable, Sendable, Equatable {
    public var name: String
    public var tokens: Int64

    public init(name: String, tokens: Int64) {
        self.name = name
        self.tokens = tokens
    }
}

/// Rules that come from configuration, passed into every decision.
public struct DomainConfig: Sendable, Equatable {
    /// The platform's share of every gift in basis points (2000 = 20 %).
    public var feeBasisPoints: Int64
    public var giftCatalog: [GiftType]
    /// The largest token amount one command may move (a grant, a gift): bigger is refused as absurd.
    public var maxTokensPerCommand: Int64
    /// The largest quantity of one gift in one request.
    public var maxGiftQuantity: Int

    public init(feeBasisPoints: Int64 = 2000,
                giftCatalog: [GiftType] = DomainConfig.defaultCatalog,
                maxTokensPerCommand: Int64 = 1_000_000_000,
                maxGiftQuantity: Int = 1000) {
        self.feeBasisPoints = feeBasisPoints
        self.giftCatalog = giftCatalog
        self.maxTokensPerCommand = maxTokensPerCommand
        self.maxGiftQuantity = maxGiftQuantity
    }

    public static let defaultCatalog: [GiftType] = [
        GiftType(name: "heart", tokens: 1),
        GiftType(name: "rose", tokens: 10),
        GiftType(name: "star", tokens: 50),
        GiftType(name: "rocket", tokens: 500),
    ]

    public func gift(named name: String) -> GiftType? { giftCatalog.first { $0.name == name } }
}
