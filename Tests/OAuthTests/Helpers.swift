import Foundation
@testable import OAuth

/// Runs `body` and returns the OAuthError it throws, or nil when it does not throw.
func oauthError<T>(_ body: () throws(OAuthError) -> T) -> OAuthError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

/// Parses a JSON object body with Foundation, an independent parser.
func jsonObject(_ bytes: [UInt8]) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
}

/// A form body from a string, for tables.
func form(_ text: String) throws(OAuthError) -> FormBody {
    try FormBody(parsing: Array(text.utf8))
}
