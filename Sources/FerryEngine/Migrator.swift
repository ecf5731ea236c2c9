public import FerryPostgres
public import FerrySchema
import FerryPrimitives

public struct SchemaError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// A migration as `ferry.schema_migrations` records it: `engine 3`, `dr 7`.
public struct MigrationID: Hashable, Sendable, CustomStringConvertible {
    public var component: String
    public var version: Int

    public var description: String { "\(component) \(version)" }
}

/// Applies the migrations of each schema component embedded in the binary (the engine's, then the layers
/// built on it), each migration in its own transaction with its row in `ferry.schema_migrations`, under an
/// advisory lock so that workers starting together apply each one once.
///
/// The migrator owns the schema `ferry` and `ferry.schema_migrations`. A database migrated by a ferry from
/// before components (one sequence, versions 1-10, each checked against its checksum) is converted first:
/// its versions are recorded as the component migrations they became, nothing is run again.
public struct Migrator {
    public let connection: PostgresConnection
    public let components: [SchemaComponent]

    /// `components` in the order they build on each other; the engine's alone by default.
    public init(connection: PostgresConnection, components: [SchemaComponent] = [Schema.engine]) {
        precondition(components.first?.name == Schema.engine.name, "the engine's schema comes first")
        self.connection = connection
        self.components = components
    }

    /// The newest version of each component this binary knows, as `engine 6, dr 7`.
    public var binaryVersions: String {
        components.map { "\($0.name) \($0.latestVersion)" }.joined(separator: ", ")
    }

    /// Applies what is missing; returns the migrations applied (empty if the schema was current).
    @discardableResult
    public func migrate() throws -> [MigrationID] {
        try connection.execute("SELECT pg_advisory_lock(hashtext('ferry.migrate'))")
        defer { _ = try? connection.execute("SELECT pg_advisory_unlock(hashtext('ferry.migrate'))") }
        try connection.transaction {
            try connection.executeScript(unsafeSQL: Self.migrationsTable)
            if try !hasComponents() { try convertLegacyHistory() }
        }
        let applied = try appliedMigrations()
        try checkCompatible(applied: applied)
        var done: [MigrationID] = []
        for component in components {
            for migration in component.migrations where applied[MigrationID(component: component.name, version: migration.version)] == nil {
                try connection.transaction {
                    try connection.executeScript(unsafeSQL: migration.sql)
                    try connection.execute("""
                        INSERT INTO ferry.schema_migrations (component, version, name, checksum)
                        VALUES (\(component.name), \(migration.version), \(migration.name), \(SHA256.hexDigest(of: migration.sql)))
                        """)
                }
                done.append(MigrationID(component: component.name, version: migration.version))
            }
        }
        return done
    }

    /// Throws unless the database has exactly the schema of every component this binary was built with.
    public func requireCurrentSchema() throws {
        let exists: String? = try connection.query("SELECT to_regclass('ferry.schema_migrations')::text AS name").first?.decode("name")
        guard exists != nil, try hasComponents() else {
            throw SchemaError(message: "the database schema is not the one this ferry needs (\(binaryVersions)): run `ferry migrate`")
        }
        let applied = try appliedMigrations()
        try checkCompatible(applied: applied)
        for component in components {
            let current = applied.keys.filter { $0.component == component.name }.map(\.version).max() ?? 0
            if current < component.latestVersion {
                throw SchemaError(message: "the database schema (\(component.name)) is at version \(current), this ferry needs \(component.latestVersion): run `ferry migrate`")
            }
        }
    }

    /// The migrator's own table: one row per applied migration of each component.
    static let migrationsTable = """
        SET LOCAL client_min_messages = warning;
        CREATE SCHEMA IF NOT EXISTS ferry;
        CREATE TABLE IF NOT EXISTS ferry.schema_migrations (
            component   text NOT NULL CHECK (component ~ '^[a-z]+$'),
            version     integer NOT NULL CHECK (version > 0),
            name        text NOT NULL,
            checksum    text NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
            applied_at  timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (component, version)
        );
        """

    private func hasComponents() throws -> Bool {
        try !connection.query("""
            SELECT 1 AS found FROM information_schema.columns
            WHERE table_schema = 'ferry' AND table_name = 'schema_migrations' AND column_name = 'component'
            """).isEmpty
    }

    /// The checksums of the migrations of the single sequence before components, by version.
    static let legacyChecksums: [Int: String] = [
        1: "87972d7d6fb8e03da74f9b7a89fdfeb35cf8cf0701d921bf9a3e39b8321b35bb",
        2: "42a48986c998df6e8bb3b5e15611a49455caa745192920855e647be246eaaef3",
        3: "622f4514b83ab57e13609eb48f352dc4f2a47877eabc9d6636e0145d191bdf33",
        4: "57c414bdd86a5f5cee0b5256bd7c6d2aabdce94b948b5382f2542339737cdbad",
        5: "7411080c07dfcdd8c164f8bb1e9d1831f1a29c45590c6843eabf021e343cf1a4",
        6: "8621a39fb7e7b4be7a192b85e41b3dd3c9bd5425787651300f6dd329a7e15f29",
        7: "dc2b5343fe65a283f7aeb9703b6eabd464758efe69989cbbb3c01594e24cbdf8",
        8: "1b81d8c926a9b5afcc7281d44f7d27fe7027266f82b1b569515697864bbac64b",
        9: "588e92f2ce8a70a4315712dcdb2ff6837684131fc7edbd6fadf875d3535e6e3c",
        10: "54ad97c0c3106666c9f652fe116e3539cab372d74806b860d3c8c9c3ba2f00c1",
    ]

    /// Records a database migrated before components as the component migrations its versions became. Only a
    /// migrator that knows every component of that history may: one that knows the engine's alone would
    /// lose the record of the others.
    private func convertLegacyHistory() throws {
        var legacy: [Int: (checksum: String, appliedAt: String)] = [:]
        for row in try connection.query("SELECT version, checksum, applied_at::text AS applied_at FROM ferry.schema_migrations") {
            legacy[try row.decode("version")] = (try row.decode("checksum"), try row.decode("applied_at"))
        }
        let known = Set(components.flatMap(\.migrations).compactMap(\.legacyVersion))
        guard known == Set(Self.legacyChecksums.keys) else {
            throw SchemaError(message: "the database was migrated by an older ferry; run `ferry migrate` to bring its schema up to date")
        }
        for (version, recorded) in legacy {
            guard let checksum = Self.legacyChecksums[version] else {
                throw SchemaError(message: "the database schema is at version \(version), newer than this ferry understands: upgrade ferry")
            }
            guard recorded.checksum == checksum else {
                throw SchemaError(message: "migration \(version) was applied with different contents than ferry's; migrations are forward-only and must not be edited")
            }
        }
        try connection.executeScript(unsafeSQL: """
            ALTER TABLE ferry.schema_migrations ADD COLUMN component text CHECK (component ~ '^[a-z]+$');
            DELETE FROM ferry.schema_migrations;
            ALTER TABLE ferry.schema_migrations DROP CONSTRAINT schema_migrations_pkey,
                ALTER COLUMN component SET NOT NULL, ADD PRIMARY KEY (component, version);
            """)
        for component in components {
            for migration in component.migrations {
                guard let version = migration.legacyVersion, let recorded = legacy[version] else { continue }
                try connection.execute("""
                    INSERT INTO ferry.schema_migrations (component, version, name, checksum, applied_at)
                    VALUES (\(component.name), \(migration.version), \(migration.name), \(SHA256.hexDigest(of: migration.sql)),
                            \(recorded.appliedAt)::timestamptz)
                    """)
            }
        }
    }

    private func appliedMigrations() throws -> [MigrationID: String] {
        var applied: [MigrationID: String] = [:]
        for row in try connection.query("SELECT component, version, checksum FROM ferry.schema_migrations") {
            applied[MigrationID(component: try row.decode("component"), version: try row.decode("version"))] = try row.decode("checksum")
        }
        return applied
    }

    private func checkCompatible(applied: [MigrationID: String]) throws {
        for component in components {
            let versions = applied.keys.filter { $0.component == component.name }.map(\.version)
            if let newest = versions.max(), newest > component.latestVersion {
                throw SchemaError(message: "the database schema (\(component.name)) is at version \(newest), newer than this ferry understands (\(component.latestVersion)): upgrade ferry")
            }
            for migration in component.migrations {
                if let checksum = applied[MigrationID(component: component.name, version: migration.version)],
                   checksum != SHA256.hexDigest(of: migration.sql) {
                    throw SchemaError(message: "migration \(component.name) \(migration.version) (\(migration.name)) was applied with different contents than this ferry's; migrations are forward-only and must not be edited")
                }
            }
        }
    }
}
