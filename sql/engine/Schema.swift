/// One numbered, forward-only schema migration of a component.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String
    /// The version of the single sequence of migrations before components (1-10) that this one was part of;
    /// nil for migrations written since. A database migrated by an older ferry is converted by it.
    public let legacyVersion: Int?

    public init(version: Int, name: String, sql: [UInt8], legacyVersion: Int? = nil) {
        self.version = version
        self.name = name
        self.sql = String(decoding: sql, as: UTF8.self)
        self.legacyVersion = legacyVersion
    }
}

/// A layer's own schema: its tables, triggers and views, as numbered migrations that `Migrator` applies in
/// order, each layer after the ones it builds on. Each migration is a file embedded in the binary (see
/// Package.swift), so a binary always knows the newest schema it understands.
public struct SchemaComponent: Sendable {
    /// `engine`, `dr`: the key of its rows in `ferry.schema_migrations`.
    public let name: String
    public let migrations: [Migration]

    public init(name: String, migrations: [Migration]) {
        precondition(migrations.map(\.version) == Array(1...migrations.count), "\(name): migrations must be numbered 1, 2, 3, …")
        self.name = name
        self.migrations = migrations
    }

    public var latestVersion: Int { migrations.last?.version ?? 0 }
}

/// The engine's schema (`sql/engine/`): runs, checkpoints, the audit log, workers, schedules, semaphores,
/// compensation, the effects ledger, the database roles.
public enum Schema {
    public static let engine = SchemaComponent(name: "engine", migrations: [
        Migration(version: 1, name: "engine", sql: PackageResources._01_engine_sql, legacyVersion: 1),
        Migration(version: 2, name: "schedules", sql: PackageResources._02_schedules_sql, legacyVersion: 3),
        Migration(version: 3, name: "semaphores", sql: PackageResources._03_semaphores_sql, legacyVersion: 5),
        Migration(version: 4, name: "compensation", sql: PackageResources._04_compensation_sql, legacyVersion: 6),
        Migration(version: 5, name: "step_effects", sql: PackageResources._05_step_effects_sql, legacyVersion: 7),
        Migration(version: 6, name: "roles", sql: PackageResources._06_roles_sql, legacyVersion: 9),
        Migration(version: 7, name: "history_retention", sql: PackageResources._07_history_retention_sql),
        Migration(version: 8, name: "write_path", sql: PackageResources._08_write_path_sql),
        Migration(version: 9, name: "lock_order", sql: PackageResources._09_lock_order_sql),
    ])
}
