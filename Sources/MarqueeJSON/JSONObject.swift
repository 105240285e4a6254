/// The members of a JSON object (RFC 8259 section 4), in document order.
///
/// Keys are unique: the parser rejects duplicates, and the mutating API here
/// replaces an existing member instead of adding a second one. Keys are compared
/// by Unicode scalars (UTF-8 bytes). Lookup is a linear scan, which is the
/// fastest choice for the small objects this type is meant for.
public struct JSONObject: Sendable, Equatable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    /// One `"key": value` member.
    public typealias Member = (key: String, value: JSONValue)
    public typealias Element = Member
    public typealias Index = Int

    /// Stored as a struct rather than a tuple: arrays of structs get compiled
    /// copy/destroy code instead of the runtime's generic tuple witnesses.
    struct Entry: Sendable {
        var key: String
        var value: JSONValue
    }

    var entries: [Entry]

    /// An empty object.
    public init() {
        entries = []
    }

    /// Builds an object from entries already known to have distinct keys (parser use).
    init(uncheckedEntries entries: [Entry]) {
        self.entries = entries
    }

    /// Builds an object from `members` in order. When a key repeats, the later
    /// value replaces the earlier one, which keeps its position.
    public init(_ members: some Sequence<Member>) {
        self.entries = []
        for member in members {
            self[member.key] = member.value
        }
    }

    /// Builds an object whose keys must be distinct; a repeated key traps, like
    /// `Dictionary(uniqueKeysWithValues:)`.
    public init(uniqueKeysWithValues members: some Sequence<(String, JSONValue)>) {
        self.entries = []
        for (key, value) in members {
            precondition(index(forKey: key) == nil, "Duplicate key '\(key)' in JSON object literal")
            entries.append(Entry(key: key, value: value))
        }
    }

    /// Duplicate keys in a literal trap, as with `Dictionary`.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(uniqueKeysWithValues: elements)
    }

    public var startIndex: Int { entries.startIndex }
    public var endIndex: Int { entries.endIndex }
    public var count: Int { entries.count }
    public subscript(position: Int) -> Member {
        let entry = entries[position]
        return (key: entry.key, value: entry.value)
    }

    /// The keys in order.
    public var keys: [String] { entries.map(\.key) }

    /// The values in order.
    public var values: [JSONValue] { entries.map(\.value) }

    /// The position of the member named `key`, if any.
    public func index(forKey key: String) -> Int? {
        entries.firstIndex { utf8Equal($0.key, key) }
    }

    /// The value of the member named `key`. Setting a value replaces an existing
    /// member in place or appends a new one; setting `nil` removes the member.
    /// (To store a JSON null, assign `.null`.)
    public subscript(key: String) -> JSONValue? {
        get {
            for entry in entries where utf8Equal(entry.key, key) {
                return entry.value
            }
            return nil
        }
        set {
            if let i = index(forKey: key) {
                if let newValue {
                    entries[i].value = newValue
                } else {
                    entries.remove(at: i)
                }
            } else if let newValue {
                entries.append(Entry(key: key, value: newValue))
            }
        }
    }

    /// Removes the member named `key` and returns its value, if present.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let i = index(forKey: key) else { return nil }
        return entries.remove(at: i).value
    }

    /// Objects are equal when they have the same members in the same order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.entries.count == rhs.entries.count else { return false }
        for (a, b) in zip(lhs.entries, rhs.entries) {
            guard utf8Equal(a.key, b.key), a.value == b.value else { return false }
        }
        return true
    }
}
