import MarqueeJSON
import Testing

/// Uses nested keyed/unkeyed containers and `superEncoder` by hand.
struct Envelope: Codable, Equatable {
    var id: String
    var lat: Double
    var lon: Double
    var tags: [String]
    var parent: Handle

    enum CodingKeys: String, CodingKey { case id, location, tags, parent }
    enum LocationKeys: String, CodingKey { case lat, lon }

    init(id: String, lat: Double, lon: Double, tags: [String], parent: Handle) {
        (self.id, self.lat, self.lon, self.tags, self.parent) = (id, lat, lon, tags, parent)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        var location = container.nestedContainer(keyedBy: LocationKeys.self, forKey: .location)
        try location.encode(lat, forKey: .lat)
        try location.encode(lon, forKey: .lon)
        var tagList = container.nestedUnkeyedContainer(forKey: .tags)
        for tag in tags { try tagList.encode(tag) }
        try parent.encode(to: container.superEncoder(forKey: .parent))
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        let location = try container.nestedContainer(keyedBy: LocationKeys.self, forKey: .location)
        lat = try location.decode(Double.self, forKey: .lat)
        lon = try location.decode(Double.self, forKey: .lon)
        var tagList = try container.nestedUnkeyedContainer(forKey: .tags)
        var tags: [String] = []
        while !tagList.isAtEnd { tags.append(try tagList.decode(String.self)) }
        self.tags = tags
        parent = try Handle(from: container.superDecoder(forKey: .parent))
    }
}

class Animal: Codable {
    var name: String
    init(name: String) { self.name = name }
}

final class Dog: Animal {
    var good: Bool
    init(name: String, good: Bool) {
        self.good = good
        super.init(name: name)
    }
    enum CodingKeys: String, CodingKey { case good }
    required init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        good = try container.decode(Bool.self, forKey: .good)
        try super.init(from: container.superDecoder())
    }
    override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(good, forKey: .good)
        try super.encode(to: container.superEncoder())
    }
}

/// Shares one keyed container between a class and its superclass (same encoder).
final class Cat: Animal {
    var lives: Int
    init(name: String, lives: Int) {
        self.lives = lives
        super.init(name: name)
    }
    enum CodingKeys: String, CodingKey { case lives }
    required init(from decoder: any Decoder) throws {
        lives = try decoder.container(keyedBy: CodingKeys.self).decode(Int.self, forKey: .lives)
        try super.init(from: decoder)
    }
    override func encode(to encoder: any Encoder) throws {
        try super.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(lives, forKey: .lives)
    }
}

/// Writes an unkeyed container with nested containers and a super encoder.
struct Tuple: Codable, Equatable {
    var a: Int
    var b: [String: Int]
    var c: [Int]
    func encode(to encoder: any Encoder) throws {
        var list = encoder.unkeyedContainer()
        try list.encode(a)
        var object = list.nestedContainer(keyedBy: AnyKey.self)
        for (key, value) in b.sorted(by: { $0.key < $1.key }) { try object.encode(value, forKey: AnyKey(key)) }
        var inner = list.nestedUnkeyedContainer()
        for value in c { try inner.encode(value) }
        try "end".encode(to: list.superEncoder())
    }
    init(a: Int, b: [String: Int], c: [Int]) { (self.a, self.b, self.c) = (a, b, c) }
    init(from decoder: any Decoder) throws {
        var list = try decoder.unkeyedContainer()
        a = try list.decode(Int.self)
        let object = try list.nestedContainer(keyedBy: AnyKey.self)
        b = Dictionary(uniqueKeysWithValues: try object.allKeys.map { ($0.stringValue, try object.decode(Int.self, forKey: $0)) })
        var inner = try list.nestedUnkeyedContainer()
        var c: [Int] = []
        while !inner.isAtEnd { c.append(try inner.decode(Int.self)) }
        self.c = c
        _ = try String(from: list.superDecoder())
    }
}

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

@Suite("Custom encode(to:) and init(from:)")
struct CustomCodingTests {
    @Test func nestedContainersAndSuperEncoderForKey() throws {
        let value = Envelope(id: "e", lat: 1.5, lon: -2.0, tags: ["a", "b"], parent: Handle("p"))
        let text = try JSONEncoding.encodeString(value)
        #expect(text == #"{"id":"e","location":{"lat":1.5,"lon":-2.0},"tags":["a","b"],"parent":"p"}"#)
        #expect(try JSONDecoding.decode(Envelope.self, from: text, rejectUnknownKeys: true) == value)
    }

    @Test func classHierarchyWithSuperEncoder() throws {
        let text = try JSONEncoding.encodeString(Dog(name: "Rex", good: true))
        #expect(text == #"{"good":true,"super":{"name":"Rex"}}"#)
        let dog = try JSONDecoding.decode(Dog.self, from: text, rejectUnknownKeys: true)
        #expect(dog.name == "Rex" && dog.good)
    }

    @Test func classHierarchySharingOneContainer() throws {
        let text = try JSONEncoding.encodeString(Cat(name: "Tom", lives: 9))
        #expect(text == #"{"name":"Tom","lives":9}"#)
        let cat = try JSONDecoding.decode(Cat.self, from: text, rejectUnknownKeys: true)
        #expect(cat.name == "Tom" && cat.lives == 9)
    }

    @Test func unkeyedContainerWithNestedContainers() throws {
        let value = Tuple(a: 1, b: ["y": 2, "x": 1], c: [3, 4])
        let text = try JSONEncoding.encodeString(value)
        #expect(text == #"[1,{"x":1,"y":2},[3,4],"end"]"#)
        #expect(try JSONDecoding.decode(Tuple.self, from: text) == value)
    }

    @Test func superEncoderThatEncodesNothingWritesEmptyObject() throws {
        struct Empty: Encodable { func encode(to encoder: any Encoder) throws {} }
        struct Holder: Encodable {
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: AnyKey.self)
                _ = container.superEncoder()
                try container.encode(1, forKey: AnyKey("after"))
                try container.encode(Empty(), forKey: AnyKey("empty"))
            }
        }
        #expect(try JSONEncoding.encodeString(Holder()) == #"{"super":{},"after":1,"empty":{}}"#)
    }
}
