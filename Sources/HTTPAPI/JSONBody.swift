import Hummingbird
import MarqueeJSON
import NIOCore

extension Request {
    /// Reads and strictly decodes a JSON body: malformed JSON, wrong types and unknown fields
    /// are rejected with a 400 that names the field.
    func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int) async throws -> T {
        try decodeStrict(type, try await bodyBytes(limit: limit), self)
    }

    func bodyBytes(limit: Int) async throws -> [UInt8] {
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch {
            throw Problem(.contentTooLarge, "too-large", "Content too large", detail: "the request body is larger than \(limit) bytes")
        }
        return Array(buffer.readableBytesView)
    }
}

/// A JSON response from an Encodable value (optionals as explicit nulls).
func jsonResponse<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
    var headers = headers
    headers[.contentType] = "application/json"
    let bytes = try JSONEncoding.encode(value, nulls: .explicit)
    return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
}
