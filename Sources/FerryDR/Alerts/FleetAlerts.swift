import FerryAWS
public import FerryPostgres
import Foundation

/// The alerts about the fleet rather than one run or recovery point: a configured database that matches
/// nothing any more, and AWS credentials that stopped working. Each is queued in the outbox
/// (`ferry.alerts`) at most once a UTC day per cause while the cause lasts, whatever the number of workers
/// seeing it. (The third, a manual-snapshot quota above 80 %, is queued by the cleanup step's checkpoint:
/// see sql/dr/008_operations.sql.)
public struct FleetAlerts {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// One alert for each entry of the configuration that names a database no longer found. Returns how
    /// many were queued now (0 when today's are queued already).
    @discardableResult
    public func databasesUnmatched(_ missing: [MissingDatabase], primaryRegion: String) throws -> Int {
        var queued = 0
        for database in missing {
            let what = "\(database.kind.map { "\($0.rawValue) " } ?? "")\(database.identifier)"
            queued += try queue(
                kind: "database_unmatched", cause: database.identifier, database: database.identifier,
                subject: "Ferry: configured database \(database.identifier) not found",
                message: "Ferry: the configuration's databases[\(database.ruleIndex)] names \(what), which does not exist in \(primaryRegion) (deleted, renamed, or a typo): it has no new backups. Fix or remove the entry; `ferry plan` shows what is protected.")
        }
        return queued
    }

    /// Queues the alert that AWS refused Ferry's credentials, if `error` says so; returns whether it did.
    @discardableResult
    public func credentialsFailing(_ error: any Error, workerID: String) throws -> Bool {
        guard let error = error as? AWSError, error.isCredentialFailure else { return false }
        return try queue(
            kind: "credentials_failing", cause: error.code.rawValue, database: nil,
            subject: "Ferry: AWS credentials are failing",
            message: "Ferry: worker \(workerID) could not use its AWS credentials: \(error). Until they work, no snapshot is taken, copied or deleted. Check the role, its session and `ferry aws whoami`.") == 1
    }

    private func queue(kind: String, cause: String, database: String?, subject: String, message: String) throws -> Int {
        try connection.execute("""
            INSERT INTO ferry.alerts (kind, subject, message, dedupe_key, database)
            VALUES (\(kind), left(\(subject), 100), \(message),
                \(kind) || ':' || \(cause) || ':' || to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD'), \(database))
            ON CONFLICT (dedupe_key) DO NOTHING
            """)
    }
}
