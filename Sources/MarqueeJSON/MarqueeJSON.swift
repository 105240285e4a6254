// TEMPORARY facade (replaced by the fast implementation): same API over Foundation.
import Foundation

public enum NullEncoding: Sendable { case explicit, omit }

public struct JSONDecodingError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String
    public var description: String { message }
}

public enum JSONEncoding {
    public static func encode<T: Encodable>(_ value: T, nulls: NullEncoding = .explicit) throws -> [UInt8] {
        Array(try JSONEncoder().encode(value))
    }
}

public enum JSONDecoding {
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], rejectUnknownKeys: Bool = false) throws -> T {
        do { return try JSONDecoder().decode(type, from: Data(bytes)) } catch {
            throw JSONDecodingError(path: "", message: "\(error)")
        }
    }
}
