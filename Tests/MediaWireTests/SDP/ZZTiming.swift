import Testing
import Foundation
@testable import MediaWire
@Test func zzTiming() throws {
    let text = SDPFixtures.chromiumSimulcast
    let bytes = Array(text.utf8)
    let clock = ContinuousClock()
    var t = clock.now
    for _ in 0..<1000 { _ = try SDPSessionDescription(parsing: bytes) }
    print("parse", clock.now - t)
    let parsed = try SDPSessionDescription(parsing: bytes)
    t = clock.now
    for _ in 0..<1000 { _ = parsed.serialized() }
    print("serialize", clock.now - t)
    t = clock.now
    for _ in 0..<1000 { _ = try WebRTCNegotiator.answerWHIP(offer: parsed, server: SDPTestValues.server, sessionID: 1) }
    print("whip", clock.now - t)
    t = clock.now
    for _ in 0..<1000 { _ = String(validating: bytes, as: UTF8.self) }
    print("validate", clock.now - t)
    t = clock.now
    for _ in 0..<1000 { _ = parsed == parsed }
    print("equal", clock.now - t)
}
