// swift-tools-version: 6.1
// ModelFleet: ships ML models to fleets of edge devices. Map: docs/architecture.md; format: docs/artifact-format.md.
import PackageDescription

/// Imports are internal unless a file says `public import`: a module's public API names exactly the modules
/// its users must see (as Hummingbird does), and an implementation detail cannot leak into it by accident.
let accessLevelImports: [SwiftSetting] = [.enableUpcomingFeature("InternalImportsByDefault")]

let package = Package(
    name: "ModelFleet",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "modelfleet-registry", targets: ["modelfleet-registry"]),
        .executable(name: "modelfleet-agent", targets: ["modelfleet-agent"]),
        .executable(name: "fleetctl", targets: ["fleetctl"]),
        .library(name: "FleetCore", targets: ["FleetCore"]),
        .library(name: "InferenceEngine", targets: ["InferenceEngine"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", "4.5.2"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // Registry only: the agent must stay on FoundationEssentials, so none of these reach it.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // The scale-out metadata store (`--metadata postgres://…`).
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2")
    ],
    targets: [
        // System-library shims. Variadic C functions are wrapped in static inline helpers.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // The agent's journal uses SQLite's C API directly: GRDB would pull full Foundation into the device binary.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),

        // The artifact format, shared by all three programs. No networking, no storage.
        .target(
            name: "FleetCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                "CZlib", "CZstd"
            ],
            swiftSettings: accessLevelImports
        ),
        // The ONNX engine depends on nothing but the standard library and its C kernels. It is always
        // optimized: unoptimized kernels are 30-100x slower, which would make every debug test run
        // crawl through the real models.
        .target(name: "InferenceEngine", dependencies: ["CKernels"], swiftSettings: accessLevelImports + [.unsafeFlags(["-O"])]),
        // SIMD micro-kernels with AVX2/AVX-512 variants picked at run time (a default Swift build
        // targets baseline x86-64 and cannot emit them); -O3 in every configuration for the same reason.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        // Runs ONNX backend test folders (the node conformance suite) against the engine.
        .executableTarget(name: "onnx-backend-test", dependencies: ["InferenceEngine"], swiftSettings: accessLevelImports),
        .target(name: "FleetHTTP", dependencies: ["FleetCore", "CCurl"], swiftSettings: accessLevelImports),
        .target(
            name: "Registry",
            dependencies: [
                "FleetCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                // The connection's own handlers (parse errors, deadlines, the connection limit) sit in NIO's pipeline.
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // TLS on the registry's own pipeline, so certificates can be swapped per connection (SIGHUP).
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
            ],
            swiftSettings: accessLevelImports
        ),
        .target(name: "Agent", dependencies: ["FleetCore", "FleetHTTP", "InferenceEngine", "CSQLite", "BuildInfo"], swiftSettings: accessLevelImports),
        // The release and git commit `--version` prints; only the programs depend on it, so a new commit relinks them and rebuilds nothing else.
        .target(name: "BuildInfo", swiftSettings: accessLevelImports, plugins: ["BuildInfoPlugin"]),
        .plugin(name: "BuildInfoPlugin", capability: .buildTool()),

        .executableTarget(
            name: "modelfleet-registry",
            dependencies: [
                "Registry", "BuildInfo",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser")
            ],
            swiftSettings: accessLevelImports
        ),
        .executableTarget(
            name: "modelfleet-agent",
            dependencies: [
                "Agent", "InferenceEngine", "FleetCore", "FleetHTTP", "BuildInfo", .product(name: "ArgumentParser", package: "swift-argument-parser")
            ],
            swiftSettings: accessLevelImports
        ),
        .executableTarget(
            name: "fleetctl",
            dependencies: [
                "FleetCore", "FleetHTTP", "InferenceEngine", "BuildInfo", .product(name: "ArgumentParser", package: "swift-argument-parser")
            ],
            swiftSettings: accessLevelImports
        ),

        // Where every test target finds the corpus of real models (scripts/fetch-test-corpus assembles it).
        .target(name: "TestCorpus", path: "Tests/TestCorpus", swiftSettings: accessLevelImports),
        // Child processes for the tests without Foundation's `Process.run()`, which can crash the test process (see the type).
        .target(name: "TestProcesses", path: "Tests/TestProcesses", swiftSettings: accessLevelImports),
        .testTarget(name: "FleetCoreTests", dependencies: ["FleetCore", "TestCorpus", "TestProcesses"]),
        .testTarget(name: "FleetHTTPTests", dependencies: ["FleetHTTP", "FleetCore", "TestProcesses"], exclude: ["Support/fault_server.py"]),
        .testTarget(name: "InferenceEngineTests", dependencies: ["InferenceEngine", "CKernels", "FleetCore", "TestCorpus"]),
        // A real registry in-process and a publisher, for the registry's and the agent's tests.
        .target(
            name: "TestSupport",
            dependencies: ["Registry", "FleetCore", "FleetHTTP", "TestCorpus", "TestProcesses", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport",
            swiftSettings: accessLevelImports
        ),
        // One real PostgreSQL per test run (integration/postgres/start.sh, or MODELFLEET_TEST_POSTGRES_URL), a database per test.
        .target(
            name: "TestPostgres",
            dependencies: [.product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestPostgres",
            swiftSettings: accessLevelImports
        ),
        // Agent tests run a real registry in-process (the agent binary itself never links Registry).
        .testTarget(
            name: "AgentTests",
            dependencies: ["Agent", "TestSupport", "TestProcesses", "Registry", "FleetCore", "FleetHTTP", "InferenceEngine"],
            exclude: ["Support/fault_proxy.py"]
        ),
        .testTarget(
            name: "RegistryTests",
            dependencies: [
                "Registry", "TestSupport", "TestPostgres", "TestProcesses", "FleetCore", "FleetHTTP", .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                // To stage a database as an older registry left it (migration tests).
                .product(name: "GRDB", package: "GRDB.swift")
            ]
        ),
        // Runs the built programs as a user would; depending on them makes `swift test` build them first.
        .testTarget(
            name: "ExecutableTests",
            dependencies: [
                "FleetCore", "FleetHTTP", "InferenceEngine", "TestCorpus", "TestPostgres", "fleetctl", "modelfleet-registry", "modelfleet-agent",
                // S3TestServer, for the S3 end-to-end tests.
                "TestSupport", "TestProcesses"
            ])
    ],
    swiftLanguageModes: [.v6]
)
