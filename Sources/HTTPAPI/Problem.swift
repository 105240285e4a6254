import Domain
import Engine
import Hummingbird
import MarqueeJSON

/// An error answer as RFC 9457 problem details (`application/problem+json`).
public struct Problem: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    /// A short kebab-case name; the `type` URI is `urn:marquee:problem:<slug>`.
    public var slug: String
    public var title: String
    public var detail: String
    public var headers: HTTPFields = [:]
    /// For `insufficient-scope`: the scope the token lacks (an extension member of the problem).
    public var missingScope: String?

    public init(_ status: HTTPResponse.Status, _ slug: String, _ title: String, detail: String) {
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
    }

    struct Body: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String
        var instance: String
        var missingScope: String?
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(type: "urn:marquee:problem:" + slug, title: title, status: status.code, detail: detail,
                        instance: request.uri.path, missingScope: missingScope)
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        let bytes = try JSONEncoding.encode(body, nulls: .omit)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: common problems

    public static func badRequest(_ detail: String) -> Problem { Problem(.badRequest, "invalid-request", "Invalid request", detail: detail) }
    public static func unauthorized(_ detail: String = "this needs a session: send 'Authorization: Bearer <token>' from POST /api/v1/sessions") -> Problem {
        var p = Problem(.unauthorized, "unauthenticated", "Authentication required", detail: detail)
        p.headers[.wwwAuthenticate] = "Bearer"
        return p
    }
    public static func forbidden(_ detail: String) -> Problem { Problem(.forbidden, "forbidden", "Forbidden", detail: detail) }
    /// RFC 6750 §3.1: the token is valid but was not granted `scope`.
    public static func insufficientScope(_ scope: Scope) -> Problem {
        var p = Problem(.forbidden, "insufficient-scope", "Insufficient scope",
                        detail: "this token was not granted the scope '\(scope.rawValue)' that this route needs")
        p.missingScope = scope.rawValue
        p.headers[.wwwAuthenticate] = "Bearer error=\"insufficient_scope\", scope=\"\(scope.rawValue)\""
        return p
    }
    /// The server broke its own promise (a decided command that recorded nothing): a 500.
    public static func `internal`(_ detail: String) -> Problem { Problem(.internalServerError, "internal", "Internal error", detail: detail) }
    public static func notFound(_ detail: String) -> Problem { Problem(.notFound, "not-found", "Not found", detail: detail) }

    /// Maps a domain rejection to a status: invalid values 422, unknown things 404, not allowed
    /// 403, taken names 409, not enough tokens 422 (`insufficient-tokens`).
    public init(_ error: DomainError) {
        switch error {
        case .invalid: self.init(.unprocessableContent, "invalid-value", "Invalid value", detail: error.description)
        case .handleTaken, .slugTaken: self.init(.conflict, "already-taken", "Already taken", detail: error.description)
        case .conflict: self.init(.conflict, "conflict", "Conflict", detail: error.description)
        case .unknownAccount, .unknownChannel, .unknownGift, .unknownPayout, .unknownMessage, .unknownPoll, .unknownApp, .unknownToken,
             .unknownEndpoint: self.init(.notFound, "not-found", "Not found", detail: error.description)
        case .forbidden, .accountSuspended: self.init(.forbidden, "forbidden", "Forbidden", detail: error.description)
        case .insufficientTokens: self.init(.unprocessableContent, "insufficient-tokens", "Insufficient tokens", detail: error.description)
        case .rateLimited(_, let seconds):
            self.init(.tooManyRequests, "rate-limited", "Too many requests", detail: error.description)
            headers[.retryAfter] = String(seconds)
        case .insufficientEarnings: self.init(.unprocessableContent, "insufficient-earnings", "Insufficient earnings", detail: error.description)
        }
    }

    /// Converts any error that reaches the edge into a problem; unknown errors become a 500
    /// whose detail reveals nothing internal.
    public static func from(_ error: any Error) -> Problem {
        switch error {
        case let problem as Problem: return problem
        case let error as DomainError: return Problem(error)
        case let error as EngineError:
            return Problem(.unprocessableContent, "idempotency-key-reused", "Idempotency-Key reused", detail: error.description)
        case let error as JSONDecodingError:
            return .badRequest("the request body is not acceptable: \(error.description)")
        case let error as HTTPError:
            switch error.status {
            case .notFound: return .notFound("no such route")
            case .methodNotAllowed: return Problem(.methodNotAllowed, "method-not-allowed", "Method not allowed", detail: "this route does not accept that method")
            case .contentTooLarge: return Problem(.contentTooLarge, "too-large", "Content too large", detail: "the request body is too large")
            default: return Problem(error.status, "http-error", error.status.reasonPhrase, detail: error.body ?? error.status.reasonPhrase)
            }
        default:
            return Problem(.internalServerError, "internal", "Internal error", detail: "the server failed to handle this request; it has been logged")
        }
    }
}

/// Turns every thrown error into problem+json (and logs unexpected ones).
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Problem.from(error)
            if problem.status == .internalServerError {
                context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            }
            return try problem.response(from: request, context: context)
        }
    }
}
