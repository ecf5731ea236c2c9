// swift-tools-version: 6.0
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
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
    ],
    targets: [
        // System libraries, linked from the distribution's -dev packages.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        .target(name: "FerryPostgres", dependencies: ["CLibPQ"], swiftSettings: strictSettings),
        // The schema migrations in sql/, embedded in the binary so it knows the schema version it needs.
        .target(
            name: "FerrySchema",
            path: "sql",
            resources: [.embedInCode("001_engine.sql"), .embedInCode("002_alerts.sql"), .embedInCode("003_schedules.sql"),
                        .embedInCode("004_audit_views.sql"), .embedInCode("005_semaphores.sql"),
                        .embedInCode("006_compensation.sql"), .embedInCode("007_step_effects.sql"),
                        .embedInCode("008_restore_points.sql"), .embedInCode("009_roles.sql"),
                        .embedInCode("012_write_path.sql")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "FerryAWS",
            dependencies: ["CCurl", "CCrypto", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "FerryEngine",
            dependencies: ["FerryPostgres", "FerrySchema", "CCrypto", "Yams", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "FerryDR",
            dependencies: ["FerryEngine", "FerryAWS", "Yams", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ferry",
            dependencies: [
                "FerryEngine", "FerryDR", "FerryAWS", "FerryPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "FerryBench",
            dependencies: [
                "FerryEngine", "FerryPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // Test support: the throwaway PostgreSQL, the moto server, a manual clock.
        .target(name: "FerryTestSupport", dependencies: ["FerryPostgres"], path: "Tests/FerryTestSupport", swiftSettings: strictSettings),
        .testTarget(name: "FerryPostgresTests", dependencies: ["FerryPostgres", "FerryTestSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "FerryAWSTests", dependencies: ["FerryAWS", "FerryTestSupport"],
            exclude: [
                "botocore_presigned_copy.py", "botocore_signer.py", "fake_metadata_server.py", "fault_proxy.py", "hostile_endpoint.py", "moto_with_auth.py",
            ], swiftSettings: strictSettings
        ),
        .testTarget(name: "FerryEngineTests", dependencies: ["FerryEngine", "FerryTestSupport"], swiftSettings: strictSettings),
        // The real engine worker plus test actions that count their side effects, for the crash tests.
        .executableTarget(
            name: "FerryCrashTestWorker",
            dependencies: ["FerryEngine", "FerryPostgres", .product(name: "Logging", package: "swift-log")],
            path: "Tests/CrashTestWorker",
            exclude: ["workflows"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FerryDRTests", dependencies: ["FerryDR", "FerryTestSupport"],
            exclude: ["moto_polls_check.py", "rds_emulator_check.py", "sns_inbox.py"], swiftSettings: strictSettings
        ),
    ]
)
