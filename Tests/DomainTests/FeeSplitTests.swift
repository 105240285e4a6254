import Domain
import Testing

@Suite("FeeSplit")
struct FeeSplitTests {
    static let basisPoints: [Int64] = [0, 1, 250, 2000, 3333, 5000, 9999, 10_000]

    /// floor(tokens × bp / 10 000) without a wide multiply: tokens = q·10 000 + r, so the
    /// floor is q·bp + floor(r·bp / 10 000), and neither product can overflow for bp ≤ 10 000.
    static func referenceFee(_ tokens: Int64, _ bp: Int64) -> Int64 {
        let (q, r) = tokens.quotientAndRemainder(dividingBy: 10_000)
        return q * bp + (r * bp) / 10_000
    }

    static func check(_ tokens: Int64, _ bp: Int64, sourceLocation: SourceLocation = #_sourceLocation) {
        let split = FeeSplit(tokens: tokens, feeBasisPoints: bp)
        #expect(split.tokens == tokens, sourceLocation: sourceLocation)
        let (sum, overflow) = split.creatorTokens.addingReportingOverflow(split.feeTokens)
        #expect(!overflow && sum == tokens, "\(tokens) @ \(bp): \(split.creatorTokens) + \(split.feeTokens)",
                sourceLocation: sourceLocation)
        #expect(split.feeTokens == referenceFee(tokens, bp), "\(tokens) @ \(bp)", sourceLocation: sourceLocation)
        #expect(split.feeTokens >= 0 && split.creatorTokens >= 0, sourceLocation: sourceLocation)
        // floor: 0 ≤ tokens·bp − fee·10 000 < 10 000, computed in 128 bits (no division involved)
        let product = tokens.multipliedFullWidth(by: bp)
        let feeTimes = split.feeTokens.multipliedFullWidth(by: 10_000)
        let (lowDiff, borrow) = product.low.subtractingReportingOverflow(feeTimes.low)
        let highDiff = product.high &- feeTimes.high &- (borrow ? 1 : 0)
        #expect(highDiff == 0 && lowDiff < 10_000, "fee is not the floor for \(tokens) @ \(bp)", sourceLocation: sourceLocation)
    }

    @Test("seeded samples over 0...10^12 add up and round the fee down", arguments: basisPoints)
    func seededSamples(bp: Int64) {
        var rng = SplitMix64(seed: 0x5EED_0000 + UInt64(bp))
        for _ in 0..<20_000 {
            Self.check(Int64.random(in: 0...1_000_000_000_000, using: &rng), bp)
        }
        // small amounts, where rounding matters most
        for tokens in Int64(0)...20_000 { Self.check(tokens, bp) }
    }

    @Test("no overflow near Int64 bounds", arguments: basisPoints)
    func nearInt64Max(bp: Int64) {
        let edges: [Int64] = [.max, .max - 1, .max - 9_999, .max / 2, .max / 10_000, .max / 10_000 + 1,
                              .max / bp.clamped(1), Int64(1) << 62, (Int64(1) << 53) + 1]
        for tokens in edges { Self.check(tokens, bp) }
        var rng = SplitMix64(seed: 0xB16 + UInt64(bp))
        for _ in 0..<5_000 { Self.check(Int64.random(in: (Int64.max - 1_000_000_000)...Int64.max, using: &rng), bp) }
        for _ in 0..<5_000 { Self.check(Int64.random(in: 0...Int64.max, using: &rng), bp) }
    }

    @Test func extremesOfTheRate() {
        #expect(FeeSplit(tokens: .max, feeBasisPoints: 10_000).feeTokens == .max)
        #expect(FeeSplit(tokens: .max, feeBasisPoints: 10_000).creatorTokens == 0)
        #expect(FeeSplit(tokens: .max, feeBasisPoints: 0).creatorTokens == .max)
        #expect(FeeSplit(tokens: .max, feeBasisPoints: 5000).feeTokens == Int64.max / 2)
        #expect(FeeSplit(tokens: 1, feeBasisPoints: 9999) == FeeSplit(tokens: 1, feeBasisPoints: 0))
        #expect(FeeSplit(tokens: 1, feeBasisPoints: 10_000).feeTokens == 1)
    }

    @Test("documented examples", arguments: [
        (Int64(1), Int64(2000), Int64(1), Int64(0)),
        (4, 2000, 4, 0),
        (5, 2000, 4, 1),
        (99, 2000, 80, 19),
        (100, 2000, 80, 20),
        (101, 2000, 81, 20),
        (3, 3333, 3, 0),
        (7, 5000, 4, 3),
    ])
    func examples(tokens: Int64, bp: Int64, creator: Int64, fee: Int64) {
        let split = FeeSplit(tokens: tokens, feeBasisPoints: bp)
        #expect(split.creatorTokens == creator)
        #expect(split.feeTokens == fee)
    }

    @Test func feeNeverDecreasesAsTheAmountGrows() {
        for bp in Self.basisPoints {
            var previous = FeeSplit(tokens: 0, feeBasisPoints: bp)
            for tokens in Int64(1)...5_000 {
                let split = FeeSplit(tokens: tokens, feeBasisPoints: bp)
                #expect(split.feeTokens >= previous.feeTokens && split.creatorTokens >= previous.creatorTokens,
                        "\(tokens) @ \(bp)")
                previous = split
            }
        }
    }

    @Test func negativeTokensTrap() async {
        await #expect(processExitsWith: .failure) {
            _ = FeeSplit(tokens: -1, feeBasisPoints: 2000)
        }
        await #expect(processExitsWith: .failure) {
            _ = FeeSplit(tokens: 10, feeBasisPoints: 10_001)
        }
    }
}

private extension Int64 {
    func clamped(_ minimum: Int64) -> Int64 { Swift.max(self, minimum) }
}
