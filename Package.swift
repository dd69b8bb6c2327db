// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "codeloop",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "codeloop", targets: ["codeloop"]),
        .library(name: "Evaluation", targets: ["Evaluation"]),
        .library(name: "Sandbox", targets: ["Sandbox"]),
        .library(name: "Tokenizers", targets: ["Tokenizers"]),
        .library(name: "Tensors", targets: ["Tensors"]),
        .library(name: "Models", targets: ["Models"]),
        .library(name: "Sampling", targets: ["Sampling"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.60.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .target(name: "CKernels"),
        .target(name: "Seeding"),
        .target(name: "Tensors", dependencies: ["CBLAS", "CKernels"]),
        .target(name: "ModelFiles"),
        .target(name: "Models", dependencies: ["Tensors", "CKernels", "ModelFiles", "BundledData", "Tokenizers"], resources: [.copy("Resources")]),
        .target(name: "Training", dependencies: ["Models", "Tensors", "Seeding", "Tokenizers"]),
        .target(name: "Sampling", dependencies: ["Models", "Tokenizers", "Tensors", "Seeding"]),
        .target(name: "OpenAIAPI"),
        .target(name: "Backends", dependencies: [
            "Sampling", "OpenAIAPI", "Tokenizers", .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .target(name: "Server", dependencies: [
            "Sampling", "OpenAIAPI", "Models", "Tokenizers", .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .target(name: "BundledData"),
        .target(name: "Sandbox", dependencies: ["BundledData"], resources: [.copy("Resources")]),
        .target(name: "Tokenizers", dependencies: ["ModelFiles", "BundledData"], resources: [.copy("Resources")]),
        .target(name: "Archives", dependencies: ["CZlib"]),
        .target(name: "Corpus", dependencies: ["Archives", "Tokenizers", "BundledData", "Sandbox"], resources: [.copy("Resources")]),
        .target(name: "Evaluation", dependencies: ["Sandbox", "Archives", "BundledData", "Seeding"], resources: [.copy("Resources")]),
        .target(name: "Reports", dependencies: ["Evaluation", "Seeding"]),
        .target(name: "Generation", dependencies: ["Backends", "Evaluation", "Sampling", "Sandbox", "OpenAIAPI"]),
        .executableTarget(
            name: "codeloop",
            dependencies: [
                "Evaluation", "Reports", "Sandbox", "Tokenizers", "Models", "Sampling", "Backends", "Corpus", "Training", "Tensors", "Seeding", "BundledData", "Server", "Generation",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .target(name: "TestScratch", path: "Tests/TestScratch"),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "TestScratch"]),
        .testTarget(name: "EvaluationTests", dependencies: ["TestScratch", "Evaluation"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Evaluation"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "CKernels", "ModelFiles"]),
        .testTarget(name: "ModelsTests", dependencies: ["TestScratch", "Models", "Sampling", "Tokenizers", "Tensors", "Seeding", "Archives"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TrainingTests", dependencies: ["TestScratch", "Training", "Models", "Tensors", "Seeding", "Tokenizers"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CorpusTests", dependencies: ["TestScratch", "Corpus", "Archives", "Tokenizers"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TokenizersTests", dependencies: ["TestScratch", "Tokenizers"], resources: [.copy("Fixtures")]),
        .target(name: "TestSupport", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], path: "Tests/TestSupport"),
        .testTarget(name: "BackendsTests", dependencies: ["Backends", "OpenAIAPI", "Sampling", "TestSupport", .product(name: "NIOHTTP1", package: "swift-nio")]),
        .testTarget(name: "ServerTests", dependencies: [
            "Server", "Models", "Tokenizers", .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "CLITests", dependencies: ["TestScratch", "codeloop", "TestSupport"]),
    ]
)
