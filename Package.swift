// swift-tools-version:6.1
import PackageDescription

/// Swift 6 language mode everywhere; one module per part of ARCHITECTURE.md.
let settings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "marquee",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "marquee", targets: ["marquee"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // System libraries, found through pkg-config (Debian: libsqlite3-dev, libssl-dev).
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSRTP", pkgConfig: "libsrtp2", providers: [.apt(["libsrtp2-dev"])]),

        // Our SQLite VFS shim: the default VFS with the write-ahead log's writes batched per commit.
        .target(name: "CSQLiteVFS", dependencies: ["CSQLite"]),

        // Pure value-type JSON reader/writer and a fast Codable bridge (no dependencies).
        .target(name: "MarqueeJSON", swiftSettings: settings),
        // Shared value types with no dependencies: time (RFC 3339, milliseconds).
        .target(name: "MarqueeCore", swiftSettings: settings),
        // Thin Swift wrapper over the SQLite C API (connections, statements, errors).
        .target(name: "SQLiteDB", dependencies: ["CSQLite", "CSQLiteVFS"], swiftSettings: settings),
        // The append-only, hash-chained event log: knows no domain type.
        .target(name: "EventLog", dependencies: ["SQLiteDB", "COpenSSL", "MarqueeCore", "MarqueeJSON"], swiftSettings: settings),
        // Media wire formats as value types: STUN/ICE-lite, SDP offer/answer, RTP/RTCP, VP8/H.264 payloads.
        .target(name: "MediaWire", dependencies: ["COpenSSL"], swiftSettings: settings),
        // DTLS 1.2 over memory BIOs (OpenSSL) and SRTP (libsrtp2) for the SFU: datagrams in, datagrams out.
        .target(name: "MediaCrypto", dependencies: ["COpenSSL", "CSRTP", "CSRTPCipher"], swiftSettings: settings),
        // AEAD_AES_128_GCM for libsrtp2 on OpenSSL's EVP (libsrtp2's cipher extension point): Debian's
        // libsrtp2 is built on NSS, whose GCM sets up a context for every packet.
        .target(name: "CSRTPCipher", dependencies: ["COpenSSL", "CSRTP"]),
        // Events, commands, deciders and ledger rules: pure, clock-free.
        .target(name: "Domain", dependencies: ["MarqueeJSON", "MarqueeCore"], swiftSettings: settings),
        // The write path: command envelopes, idempotency, the writer's handler over Domain.
        .target(name: "Engine", dependencies: ["Domain", "EventLog", "SQLiteDB", "MarqueeJSON", "MarqueeCore", "OAuth"], swiftSettings: settings),
        // Read models derived from the log, rebuildable from position 0.
        .target(name: "Projections", dependencies: ["Domain", "EventLog", "SQLiteDB", "MarqueeJSON", "MarqueeCore"], swiftSettings: settings),
        // OAuth 2.0 wire formats as values: form bodies, client credentials, PKCE, scopes, redirect URIs, the consent page.
        .target(name: "OAuth", dependencies: ["EventLog", "MarqueeCore"], swiftSettings: settings),
        // Webhooks: Standard Webhooks signing, SSRF rules, retry policy, the delivery store and HTTP/1.1 client (SwiftNIO), the dispatcher.
        .target(
            name: "Webhooks",
            dependencies: [
                "EventLog", "SQLiteDB", "MarqueeCore", "MarqueeJSON",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings
        ),
        // The webhook dispatcher: a consumer of the log with a durable cursor, per-endpoint delivery and retries.
        .target(
            name: "WebhookDispatch",
            dependencies: ["Webhooks", "Domain", "Engine", "EventLog", "SQLiteDB", "MarqueeCore", .product(name: "Logging", package: "swift-log"),
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: settings
        ),
        // Hummingbird routes: REST API, problem+json, auth. Sends commands, decides nothing.
        .target(
            name: "HTTPAPI",
            dependencies: [
                "Domain", "Engine", "EventLog", "Projections", "MarqueeJSON", "MarqueeCore", "SQLiteDB", "OAuth", "Webhooks", "WebhookDispatch",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            resources: [.embedInCode("openapi.yaml"), .embedInCode("Pages/studio.html"), .embedInCode("Pages/watch.html"),
                        .embedInCode("Pages/common.js"), .embedInCode("Pages/marquee.css"), .embedInCode("Pages/overlay.html")],
            swiftSettings: settings
        ),
        // Linux socket calls behind _GNU_SOURCE (sendmmsg, recvmmsg, epoll, eventfd) for the SFU and the load generator.
        .target(name: "CMediaIO"),
        // The SFU: one UDP socket, ICE-lite, DTLS-SRTP, forwarding; WHIP/WHEP sessions; obeys the log.
        .target(
            name: "SFU",
            dependencies: [
                "MediaWire", "MediaCrypto", "Domain", "Engine", "HTTPAPI", "CMediaIO",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: settings
        ),
        // The forwarding benchmark's load generator: lightweight WebRTC peers (ICE, DTLS, SRTP; no
        // decoding) on one epoll thread, and the servers under test (Marquee, Janus) as child processes.
        .target(name: "MediaLoad", dependencies: ["CMediaIO", "MediaWire", "MediaCrypto", "MarqueeCore"], swiftSettings: settings),
        // Wiring, configuration, services and the logic behind each CLI command.
        .target(
            name: "MarqueeApp",
            dependencies: [
                "Domain", "Engine", "EventLog", "Projections", "HTTPAPI", "SFU", "Webhooks", "WebhookDispatch", "SQLiteDB", "MarqueeJSON", "MarqueeCore", "COpenSSL",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: settings
        ),
        .executableTarget(
            name: "marquee",
            dependencies: [
                "MarqueeApp", "MediaLoad", "MediaCrypto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: settings
        ),

        // Helpers shared by test targets (temporary directories, time bounds).
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: settings),
        .testTarget(name: "MediaWireTests", dependencies: ["MediaWire", "TestSupport"], swiftSettings: settings),
        .testTarget(name: "SFUTests", dependencies: [
            "SFU", "MediaWire", "MediaCrypto", "TestSupport", .product(name: "NIOCore", package: "swift-nio"),
        ], swiftSettings: settings),
        .testTarget(name: "OAuthTests", dependencies: ["OAuth", "TestSupport", "EventLog", "MarqueeCore"], swiftSettings: settings),
        .testTarget(name: "WebhooksTests", dependencies: [
            "Webhooks", "TestSupport", "SQLiteDB", "EventLog", "MarqueeCore",
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], swiftSettings: settings),
        .testTarget(name: "MediaLoadTests", dependencies: ["MediaLoad", "MediaWire", "MediaCrypto", "TestSupport"], swiftSettings: settings),
        .testTarget(name: "MediaCryptoTests", dependencies: ["MediaCrypto", "TestSupport"], swiftSettings: settings),
        .testTarget(name: "MarqueeJSONTests", dependencies: ["TestSupport", "MarqueeJSON"], swiftSettings: settings),
        .testTarget(name: "EventLogTests", dependencies: ["TestSupport", "EventLog", "SQLiteDB", "MarqueeCore", "MarqueeJSON"], swiftSettings: settings),
        .testTarget(name: "DomainTests", dependencies: ["TestSupport", "Domain", "MarqueeJSON", "MarqueeCore"], swiftSettings: settings),
        .testTarget(name: "EngineTests", dependencies: ["TestSupport", "Engine", "Domain", "EventLog", "SQLiteDB", "MarqueeCore", "MarqueeJSON"], swiftSettings: settings),
        .testTarget(name: "ProjectionsTests", dependencies: ["TestSupport", "Projections", "Domain", "EventLog", "SQLiteDB"], swiftSettings: settings),
        .testTarget(
            name: "MarqueeAppTests",
            dependencies: [
                "MarqueeApp", "HTTPAPI", "Engine", "Domain", "EventLog", "Projections", "MarqueeJSON", "MarqueeCore", "SQLiteDB", "marquee", "TestSupport",
                "OAuth", "Webhooks", "WebhookDispatch", "MediaCrypto",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: settings
        ),
    ]
)
