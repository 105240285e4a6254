/// Which event types an endpoint receives (Standard Webhooks 1.0.0, "Event types": consumers
/// choose types per endpoint and the producer filters).
///
/// A pattern is `*` (every type), `<category>.*` (every type whose part before the first dot is
/// the category, e.g. `chat.*` for `chat.message.sent`), or an exact type such as `gift.sent`.
public struct EventTypeFilter: Sendable, Equatable {
    /// The patterns as given, duplicates removed, first occurrence kept.
    public let patterns: [String]

    private let matchesAll: Bool
    private let categories: Set<String>
    private let exact: Set<String>

    /// Checks every pattern against the types the server emits, so a typo is an error now
    /// rather than an endpoint that silently never receives anything.
    /// - Throws: `.noEventTypes` for an empty list; `.unknownEventType(pattern)` for the first
    ///   pattern that is not `*`, not `<category>.*` for a category of some known type, and not
    ///   a known type.
    public init(patterns: [String], knownTypes: Set<String>) throws(WebhookInputError) {
        guard !patterns.isEmpty else { throw .noEventTypes }
        let knownCategories = Set(knownTypes.compactMap(Self.category(of:)))
        var seen = Set<String>()
        var kept: [String] = []
        var matchesAll = false
        var categories = Set<String>()
        var exact = Set<String>()
        for pattern in patterns where seen.insert(pattern).inserted {
            if pattern == "*" {
                matchesAll = true
            } else if pattern.hasSuffix(".*") {
                let category = String(pattern.dropLast(2))
                guard !category.isEmpty, !category.contains("."), knownCategories.contains(category) else {
                    throw .unknownEventType(pattern)
                }
                categories.insert(category)
            } else {
                guard knownTypes.contains(pattern) else { throw .unknownEventType(pattern) }
                exact.insert(pattern)
            }
            kept.append(pattern)
        }
        self.patterns = kept
        self.matchesAll = matchesAll
        self.categories = categories
        self.exact = exact
    }

    /// True when some pattern selects `type`.
    public func matches(_ type: String) -> Bool {
        if matchesAll || exact.contains(type) { return true }
        guard !categories.isEmpty, let category = Self.category(of: type) else { return false }
        return categories.contains(category)
    }

    /// The part of a type before its first dot (nil when it has no dot: such a type belongs to
    /// no category, so only `*` or its exact name selects it).
    static func category(of type: String) -> String? {
        guard let dot = type.firstIndex(of: ".") else { return nil }
        return String(type[..<dot])
    }

    public static func == (lhs: EventTypeFilter, rhs: EventTypeFilter) -> Bool { lhs.patterns == rhs.patterns }
}
