import Foundation
import TestSupport

/// Deterministic fuzzing helpers shared by the parser fuzz tests.
///
/// Iterations default to 100 000 per parser. For a longer run set
/// `MARQUEE_FUZZ_ITERATIONS` (and optionally `MARQUEE_FUZZ_SEED`), for example:
///
///     MARQUEE_FUZZ_ITERATIONS=5000000 MARQUEE_FUZZ_SEED=7 \
///         nice -n 19 swift test --skip-build --filter Fuzz
enum Fuzz {
    static var iterations: Int {
        ProcessInfo.processInfo.environment["MARQUEE_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 100_000
    }

    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["MARQUEE_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x4D41_5251_5545_4531
    }

    /// Half the inputs are mutated seeds, half are random bytes whose first byte is drawn
    /// from `firstBytes` (so they get past the cheapest checks).
    static func input(_ rng: inout SplitMix64, seeds: [[UInt8]], firstBytes: ClosedRange<UInt8>, maxRandomLength: Int = 160) -> [UInt8] {
        if rng.next() & 1 == 0 {
            var bytes = seeds[Int(rng.next() % UInt64(seeds.count))]
            mutate(&bytes, &rng)
            return bytes
        }
        let count = Int(rng.next() % UInt64(maxRandomLength + 1))
        var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        if !bytes.isEmpty { bytes[0] = UInt8.random(in: firstBytes, using: &rng) }
        return bytes
    }

    /// One to four random edits: bit flips, byte sets, truncation, random tail, byte
    /// insertion or removal, small-integer writes near length fields.
    static func mutate(_ bytes: inout [UInt8], _ rng: inout SplitMix64) {
        for _ in 0..<(1 + Int(rng.next() % 4)) {
            let index = bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count))
            switch rng.next() % 7 {
            case 0 where !bytes.isEmpty: bytes[index] ^= 1 << (rng.next() % 8)
            case 1 where !bytes.isEmpty: bytes[index] = UInt8(truncatingIfNeeded: rng.next())
            case 2: bytes.removeSubrange(min(index, bytes.count)...)
            case 3: bytes += (0..<Int(rng.next() % 16)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            case 4: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: min(index, bytes.count))
            case 5 where !bytes.isEmpty: bytes.remove(at: index)
            default: if !bytes.isEmpty { bytes[index] = UInt8(rng.next() % 8) }
            }
        }
    }
}
