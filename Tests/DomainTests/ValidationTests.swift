import Domain
import Testing

@Suite("Validation: gift names")
struct GiftNameValidationTests {
    @Test("valid gift names", arguments: ["a", "rose", "red-rose", "rose_2", "r" + String.repeating("x", 31)])
    func valid(name: String) {
        #expect(Validation.giftNameProblem(name) == nil)
    }

    @Test("invalid gift names", arguments: [
        ("", "must be 1 to 32 characters starting with a lowercase letter"),
        ("r" + String.repeating("x", 32), "must be 1 to 32 characters starting with a lowercase letter"),
        ("Rose", "must be 1 to 32 characters starting with a lowercase letter"),
        ("1rose", "must be 1 to 32 characters starting with a lowercase letter"),
        ("-rose", "must be 1 to 32 characters starting with a lowercase letter"),
        ("rose bud", "may contain only lowercase letters, digits, '_' and '-'"),
        ("roSe", "may contain only lowercase letters, digits, '_' and '-'"),
        ("rosé", "may contain only lowercase letters, digits, '_' and '-'"),
    ])
    func invalid(name: String, reason: String) {
        #expect(Validation.giftNameProblem(name) == reason)
    }

    @Test func theTestCatalogIsValid() {
        for gift in DomainConfig.test.giftCatalog { #expect(Validation.giftNameProblem(gift.name) == nil, "\(gift.name)") }
    }
}
