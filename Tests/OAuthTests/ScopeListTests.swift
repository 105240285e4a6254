import Testing
@testable import OAuth

@Suite("ScopeList (RFC 6749 §3.3)")
struct ScopeListTests {
    let known: Set<String> = ["profile:read", "gifts:read", "chat:write", "wallet:read"]

    @Test("parse keeps the first occurrence, in order")
    func parse() throws {
        #expect(try ScopeList.parse("gifts:read profile:read gifts:read", known: known) == ["gifts:read", "profile:read"])
        #expect(try ScopeList.parse("  chat:write   wallet:read ", known: known) == ["chat:write", "wallet:read"])
        #expect(try ScopeList.parse("", known: known) == [])
        #expect(try ScopeList.parse("   ", known: known) == [])
    }

    @Test("unknown scopes are named in the error")
    func unknown() {
        let error = oauthError { () throws(OAuthError) in try ScopeList.parse("profile:read admin", known: known) }
        #expect(error == OAuthError(.invalidScope, "unknown scope 'admin'"))
        #expect(oauthError { () throws(OAuthError) in try ScopeList.parse("PROFILE:READ", known: known) }?.code == .invalidScope)
    }

    @Test("malformed tokens are invalid_scope", arguments: [
        "profile:read\tgifts:read",  // tab is not a separator
        "profile:read\ngifts:read",
        "\"profile:read\"",
        "profile\\read",
        "gifts:réad",
        "profile:read,gifts:read",   // not malformed, but unknown
    ])
    func malformed(_ text: String) {
        #expect(oauthError { () throws(OAuthError) in try ScopeList.parse(text, known: known) }?.code == .invalidScope)
    }

    @Test("scope-token characters are exactly %x21 / %x23-5B / %x5D-7E")
    func characters() {
        for byte in UInt8(0)...UInt8(255) {
            let expected = byte == 0x21 || (0x23...0x5B).contains(byte) || (0x5D...0x7E).contains(byte)
            #expect(ScopeList.isScopeCharacter(byte) == expected)
        }
    }

    @Test("narrow: a refresh may ask for less, never more (RFC 6749 §6)")
    func narrow() throws {
        let granted = ["profile:read", "gifts:read"]
        #expect(try ScopeList.narrow(requested: nil, granted: granted) == granted)
        #expect(try ScopeList.narrow(requested: " ", granted: granted) == granted)
        #expect(try ScopeList.narrow(requested: "gifts:read", granted: granted) == ["gifts:read"])
        let error = oauthError { () throws(OAuthError) in try ScopeList.narrow(requested: "gifts:read chat:write", granted: granted) }
        #expect(error == OAuthError(.invalidScope, "scope 'chat:write' was not granted"))
    }

    @Test("format joins with single spaces")
    func format() {
        #expect(ScopeList.format(["a", "b"]) == "a b")
        #expect(ScopeList.format([]) == "")
    }
}
