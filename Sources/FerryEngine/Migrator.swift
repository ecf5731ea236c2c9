public import FerryPostgres
import FerrySchema
import FerryPrimitives

public struct SchemaError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Applies the migrations embedded in the binary, each in its own transaction with its version row, under
/// an advisory lock so that workers starting together apply each migration once.
public struct Migrator {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// The newest schema version this binary knows.
    public static var binaryVersion: Int { Schema.latestVersion }

    /// Applies what is missing; returns the versions applied (empty if the schema was current).
    @discardableResult
    public func migrate() throws -> [Int] {
        try connection.execute("SELECT pg_advisory_lock(hashtext('ferry.migrate'))")
        defer { _ = try? connection.execute("SELECT pg_advisory_unlock(hashtext('ferry.migrate'))") }
        let applied = try appliedMigrations()
        try checkCompatible(applied: applied)
        var versions: [Int] = []
        for migration in Schema.migrations where applied[migration.version] == nil {
            try connection.transaction {
                try connection.executeScript(unsafeSQL: migration.sql)
                try connection.execute("""
                    INSERT INTO ferry.schema_migrations (version, name, checksum)
                    VALUES (\(migration.version), \(migration.name), \(SHA256.hexDigest(of: migration.sql)))
                    """)
            }
            versions.append(migration.version)
        }
        return versions
    }

    /// Throws unless the database has exactly the schema this binary was built for.
    public func requireCurrentSchema() throws {
        let applied = try appliedMigrations()
        try checkCompatible(applied: applied)
        let current = applied.keys.max() ?? 0
        if current < Self.binaryVersion {
            throw SchemaError(message: "the database schema is at version \(current), this ferry needs \(Self.binaryVersion): run `ferry migrate`")
        }
    }

    private func appliedMigrations() throws -> [Int: String] {
        let exists: String? = try connection.query("SELECT to_regclass('ferry.schema_migrations')::text AS name")
            .first?.decode("name")
        guard exists != nil else { return [:] }
        var applied: [Int: String] = [:]
        for row in try connection.query("SELECT version, checksum FROM ferry.schema_migrations") {
            applied[try row.decode("version")] = try row.decode("checksum")
        }
        return applied
    }

    private func checkCompatible(applied: [Int: String]) throws {
        if let newest = applied.keys.max(), newest > Self.binaryVersion {
            throw SchemaError(message: "the database schema is at version \(newest), newer than this ferry understands (\(Self.binaryVersion)): upgrade ferry")
        }
        for migration in Schema.migrations {
            if let checksum = applied[migration.version], checksum != SHA256.hexDigest(of: migration.sql) {
                throw SchemaError(message: "migration \(migration.version) (\(migration.name)) was applied with different contents than this ferry's; migrations are forward-only and must not be edited")
            }
        }
    }
}
