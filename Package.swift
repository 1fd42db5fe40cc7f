// swift-tools-version: 6.1
// ModelFleet: ships ML models to fleets of edge devices. Map: ../shared/DESIGN.md; format: docs/artifact-format.md.
import PackageDescription

let package = Package(
    name: "ModelFleet",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "modelfleet-registry", targets: ["modelfleet-registry"]),
        .executable(name: "modelfleet-agent", targets: ["modelfleet-agent"]),
        .executable(name: "fleetctl", targets: ["fleetctl"]),
        .library(name: "FleetCore", targets: ["FleetCore"]),
        .library(name: "InferenceEngine", targets: ["InferenceEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", "4.5.2"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        // System-library shims. Variadic C functions are wrapped in static inline helpers.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // The artifact format, shared by all three programs. No networking, no storage.
        .target(
            name: "FleetCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                "CZlib", "CZstd",
            ]
        ),
        // The ONNX engine depends on nothing but the standard library.
        .target(name: "InferenceEngine"),
        .target(name: "FleetHTTP", dependencies: ["FleetCore", "CCurl"]),
        .target(name: "Registry", dependencies: ["FleetCore"]),
        .target(name: "Agent", dependencies: ["FleetCore", "FleetHTTP", "InferenceEngine"]),

        .executableTarget(
            name: "modelfleet-registry",
            dependencies: ["Registry", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "modelfleet-agent",
            dependencies: ["Agent", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "fleetctl",
            dependencies: ["FleetCore", "FleetHTTP", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        .testTarget(name: "FleetCoreTests", dependencies: ["FleetCore"]),
        .testTarget(name: "FleetHTTPTests", dependencies: ["FleetHTTP"]),
        // Runs the built programs as a user would; depending on them makes `swift test` build them first.
        .testTarget(name: "ExecutableTests", dependencies: ["FleetCore", "fleetctl", "modelfleet-registry", "modelfleet-agent"]),
    ],
    swiftLanguageModes: [.v6]
)
