import MarqueeJSON
import Testing

/// Collects weak references to the decoders and encoders that `init(from:)` and
/// `encode(to:)` receive, to prove that nothing outlives a decode or encode call.
final class WeakRefs: @unchecked Sendable {
    private var references: [() -> AnyObject?] = []

    func track(_ object: AnyObject) {
        references.append { [weak object] in object }
    }

    var count: Int { references.count }
    var alive: Int { references.filter { $0() != nil }.count }
}

private struct Tracked: Codable {
    @TaskLocal static var refs: WeakRefs?
    var name: String
    var children: [Tracked]

    init(name: String, children: [Tracked]) {
        self.name = name
        self.children = children
    }

    init(from decoder: any Decoder) throws {
        Self.refs?.track(decoder as AnyObject)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        children = try container.decode([Tracked].self, forKey: .children)
    }
}

@Suite("Lifetimes")
struct LifetimeTests {
    private let text = #"{"name":"root","children":[{"name":"a","children":[]},{"name":"b","children":[{"name":"c","children":[]}]}]}"#

    @Test(arguments: [false, true])
    func decodersDoNotOutliveTheCall(rejectUnknownKeys: Bool) throws {
        let refs = WeakRefs()
        try Tracked.$refs.withValue(refs) {
            let value = try JSONDecoding.decode(Tracked.self, from: text, rejectUnknownKeys: rejectUnknownKeys)
            #expect(value.children[1].children[0].name == "c")
        }
        #expect(refs.count == 4)
        #expect(refs.alive == 0, "decoders leaked (reference cycle)")
    }

    @Test func decodersDoNotOutliveAFailedCall() {
        let refs = WeakRefs()
        Tracked.$refs.withValue(refs) {
            #expect(throws: JSONDecodingError.self) {
                try JSONDecoding.decode(Tracked.self, from: text.replacing(#""c""#, with: "1"),
                                        rejectUnknownKeys: true)
            }
        }
        #expect(refs.count == 4)
        #expect(refs.alive == 0, "decoders leaked after an error")
    }
}
