// swift-tools-version: 6.1
// The agent's local API reduced to one route on SwiftNIO, beside an empty Swift program: what
// integration/bench/local_api.py measures against the agent's hand-written server. Not part of ModelFleet.
import PackageDescription

let package = Package(
    name: "nio-probe",
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2")
    ],
    targets: [
        .executableTarget(
            name: "nio-probe",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio")
            ]
        ),
        .executableTarget(name: "swift-baseline")
    ]
)
