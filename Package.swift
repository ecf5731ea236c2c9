// swift-tools-version: 6.0
import PackageDescription

/// Every target: `any` spelled out, imports internal unless re-exported on purpose, and a member usable only
/// where its module is imported (so each target's imports, and the dependencies below, are all it uses).
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Ferry",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ferry", targets: ["ferry"]),
        .executable(name: "ferry-bench", targets: ["FerryBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // System libraries, linked from the distribution's -dev packages.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        // What every layer shares: SHA-256 and HMAC, the one backoff curve, Duration in seconds.
        .target(name: "FerryPrimitives", dependencies: ["CCrypto"], swiftSettings: strictSettings),
        .target(name: "FerryPostgres", dependencies: ["CLibPQ"], swiftSettings: strictSettings),
        // The schema migrations, embedded in the binary so it knows the schema it needs: the engine's
        // (sql/engine) and the DR layer's (sql/dr), each a component of its own that the same migrator applies.
        .target(
            name: "FerrySchema",
            path: "sql/engine",
            resources: [.embedInCode("001_engine.sql"), .embedInCode("002_schedules.sql"), .embedInCode("003_semaphores.sql"),
                        .embedInCode("004_compensation.sql"), .embedInCode("005_step_effects.sql"), .embedInCode("006_roles.sql"),
                        .embedInCode("007_history_retention.sql"), .embedInCode("008_write_path.sql"),
                        .embedInCode("009_lock_order.sql")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "FerryDRSchema",
            dependencies: ["FerrySchema"],
            path: "sql/dr",
            resources: [.embedInCode("001_alerts.sql"), .embedInCode("002_audit_views.sql"), .embedInCode("003_alerts_name_the_stopped_step.sql"),
                        .embedInCode("004_audit_views_read_the_effects_ledger.sql"), .embedInCode("005_restore_points.sql"),
                        .embedInCode("006_roles.sql"), .embedInCode("007_snapshot_ownership.sql"), .embedInCode("008_operations.sql")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "FerryAWS",
            dependencies: ["CCurl", "FerryPrimitives", .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "FerryEngine",
            dependencies: [
                "FerryPostgres", "FerrySchema", "FerryPrimitives", "Yams", .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "FerryDR",
            dependencies: [
                "FerryEngine", "FerryAWS", "FerryPostgres", "FerryPrimitives", "Yams", .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ferry",
            dependencies: [
                "FerryEngine", "FerryDR", "FerryAWS", "FerryPostgres", "FerryPrimitives", "FerryDRSchema",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "FerryBench",
            dependencies: [
                "FerryEngine", "FerryPostgres", "FerryPrimitives",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // Test support: the throwaway PostgreSQL, the moto server, a manual clock.
        .target(name: "FerryTestSupport", dependencies: ["FerryPostgres", "FerryEngine"], path: "Tests/FerryTestSupport", swiftSettings: strictSettings),
        .testTarget(name: "FerryPostgresTests", dependencies: ["FerryPostgres", "FerryTestSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "FerryAWSTests", dependencies: ["FerryAWS", "FerryPrimitives", "FerryTestSupport", .product(name: "Logging", package: "swift-log")],
            exclude: [
                "botocore_presigned_copy.py", "botocore_signer.py", "fake_metadata_server.py", "fault_proxy.py", "hostile_endpoint.py", "moto_with_auth.py",
            ], swiftSettings: strictSettings
        ),
        // The engine's tests run on the schema as deployed (engine and DR components): the roles and the failed-run
        // alert they check span both.
        .testTarget(name: "FerryEngineTests", dependencies: ["FerryEngine", "FerryPostgres", "FerrySchema", "FerryDRSchema", "FerryTestSupport"], swiftSettings: strictSettings),
        // The real engine worker plus test actions that count their side effects, for the crash tests.
        .executableTarget(
            name: "FerryCrashTestWorker",
            dependencies: ["FerryEngine", "FerryPostgres", "FerryTestSupport", .product(name: "Logging", package: "swift-log")],
            path: "Tests/CrashTestWorker",
            exclude: ["workflows"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FerryDRTests", dependencies: ["FerryDR", "FerryEngine", "FerryAWS", "FerryPostgres", "FerrySchema", "FerryDRSchema", "FerryTestSupport"],
            exclude: ["moto_polls_check.py", "rds_emulator_check.py", "sns_inbox.py", "cloudwatch_check.py", "cloudformation_yaml.py"], swiftSettings: strictSettings
        ),
    ]
)
