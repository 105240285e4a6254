/// The platform fee split of a payment to a creator.
///
/// Rounding rule (documented in the README): the fee is rounded **down** to a whole token,
/// `feeTokens = floor(tokens × feeBasisPoints / 10 000)`, and the creator receives the rest,
/// `creatorTokens = tokens − feeTokens`. So the split always adds up exactly, the creator is
/// never short-changed by rounding, and a 1-token gift at 20 % goes entirely to the creator.
public struct FeeSplit: Equatable, Sendable {
    public let tokens: Int64
    public let creatorTokens: Int64
    public let feeTokens: Int64

    /// `tokens` must be ≥ 0 and `feeBasisPoints` in 0...10 000; the product is computed
    /// without overflow for any Int64 `tokens`.
    public init(tokens: Int64, feeBasisPoints: Int64) {
        precondition(tokens >= 0 && (0...10_000).contains(feeBasisPoints))
        let (high, low) = tokens.multipliedFullWidth(by: feeBasisPoints)
        let fee = Int64(10_000).dividingFullWidth((high, low)).quotient
        self.tokens = tokens
        self.feeTokens = fee
        self.creatorTokens = tokens - fee
    }
}
