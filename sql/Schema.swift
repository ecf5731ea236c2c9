/// One numbered, forward-only schema migration from `sql/`.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String
}

/// The migrations this binary knows, in order. Each `sql/NNN_name.sql` file is listed here and embedded
/// in the binary (see Package.swift), so a binary always knows the newest schema version it understands.
public enum Schema {
    public static let migrations: [Migration] = [
        Migration(version: 1, name: "engine", sql: String(decoding: PackageResources._01_engine_sql, as: UTF8.self)),
        Migration(version: 2, name: "alerts", sql: String(decoding: PackageResources._02_alerts_sql, as: UTF8.self)),
        Migration(version: 3, name: "schedules", sql: String(decoding: PackageResources._03_schedules_sql, as: UTF8.self)),
        Migration(version: 4, name: "audit_views", sql: String(decoding: PackageResources._04_audit_views_sql, as: UTF8.self)),
        Migration(version: 5, name: "semaphores", sql: String(decoding: PackageResources._05_semaphores_sql, as: UTF8.self)),
        Migration(version: 6, name: "compensation", sql: String(decoding: PackageResources._06_compensation_sql, as: UTF8.self)),
        Migration(version: 7, name: "step_effects", sql: String(decoding: PackageResources._07_step_effects_sql, as: UTF8.self)),
        Migration(version: 8, name: "restore_points", sql: String(decoding: PackageResources._08_restore_points_sql, as: UTF8.self)),
        Migration(version: 9, name: "roles", sql: String(decoding: PackageResources._09_roles_sql, as: UTF8.self)),
        Migration(version: 12, name: "write_path", sql: String(decoding: PackageResources._12_write_path_sql, as: UTF8.self)),
    ]

    public static var latestVersion: Int { migrations.last?.version ?? 0 }
}
