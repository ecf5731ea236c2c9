public import FerryPostgres
public import Foundation
import FerryAWS

/// A DR snapshot and what retention would do with it, with the reason.
public struct SnapshotDecision: Sendable, Codable, Equatable {
    public var snapshotId: String
    public var status: String
    public var createdAt: Date?
    public var reason: String

    enum CodingKeys: String, CodingKey {
        case snapshotId = "snapshot_id"
        case status
        case createdAt = "created_at"
        case reason
    }
}

/// What the next backup cycle of one database would do. JSON field names are snake_case.
public struct DatabasePlan: Sendable, Codable, Equatable {
    public struct Retention: Sendable, Codable, Equatable {
        /// Oldest first.
        public var delete: [SnapshotDecision]
        public var keep: [SnapshotDecision]
    }

    public var database: String
    public var kind: String
    public var nextFireAt: Date
    public var snapshotId: String
    public var copyId: String
    public var kmsKey: String
    /// Whether the DR copy will be encrypted (under `kmsKey`), and why, in words.
    public var copyEncrypted: Bool
    public var copyEncryption: String
    /// Source option group → DR option group, applied to the copy when the snapshot has a mapped group.
    public var optionGroupMapping: [String: String]
    public var retention: Retention

    enum CodingKeys: String, CodingKey {
        case database
        case kind
        case nextFireAt = "next_fire_at"
        case snapshotId = "snapshot_id"
        case copyId = "copy_id"
        case kmsKey = "kms_key"
        case copyEncrypted = "copy_encrypted"
        case copyEncryption = "copy_encryption"
        case optionGroupMapping = "option_group_mapping"
        case retention
    }
}

/// A configured identifier that matched no database.
public struct MissingEntry: Sendable, Codable, Equatable {
    public var identifier: String
    public var kind: String?
}

/// `ferry plan`: the next cycle as a dry run.
public struct CyclePlan: Sendable, Codable, Equatable {
    /// Where the list of databases came from.
    public enum DatabasesFrom: String, Sendable, Codable {
        /// Discovery in the primary region.
        case primaryRegion = "primary_region"
        /// Ferry's own records (schedules and restore points): the primary region did not answer.
        case ferryDatabase = "ferry_database"
    }

    public var primaryRegion: String
    public var drRegion: String
    public var databasesFrom: DatabasesFrom
    public var databases: [DatabasePlan]
    public var missing: [MissingEntry]

    enum CodingKeys: String, CodingKey {
        case primaryRegion = "primary_region"
        case drRegion = "dr_region"
        case databasesFrom = "databases_from"
        case databases
        case missing
    }
}

extension DRRuntime {
    /// The next cycle of the protected databases named (all of them if none), computed from discovery, the
    /// DR region's snapshots and Ferry's records in `records` (which of those snapshots Ferry made). Reads
    /// only: nothing is created, tagged or deleted. When the primary region does not answer, the databases
    /// are those Ferry's own records know (the schedules and the catalog), so that the plan still shows, on
    /// that day, what the DR region holds.
    public func planCycle(databases identifiers: [String], now: Date, records: PostgresConnection) throws -> CyclePlan {
        let selection: DatabaseSelection
        let databasesFrom: CyclePlan.DatabasesFrom
        do {
            selection = try selectDatabases()
            databasesFrom = .primaryRegion
        } catch let error as AWSError where error.kind == .transport {
            selection = DatabaseSelection(rules: config.databases, discovered: try RecoveryStore(connection: records).knownDatabases())
            databasesFrom = .ferryDatabase
        }
        let chosen = identifiers.isEmpty
            ? selection.protected
            : try identifiers.map { try protectedDatabase($0, in: selection) }
        let drRDS = try aws.rds(region: config.drRegion.name)
        let ledger = DRCopyLedger(connection: records)
        let plans = try chosen.map { protected in
            let fire = UTCMinute.truncate(protected.settings.schedule.nextFire(after: now))
            let input = BackupCycleInput(protected: protected, config: config, scheduledFor: fire)
            let existing = try RDSSnapshots(rds: drRDS, kind: input.kind).manualSnapshots(of: input.database).map(SnapshotRecord.init)
            let encryption = CopyEncryption(kind: input.kind, sourceEncrypted: protected.database.source?.encrypted, kmsKey: input.kmsKey)
            return DatabasePlan(
                database: input.database, kind: input.kind.rawValue, nextFireAt: fire, snapshotId: input.snapshotID,
                copyId: input.copyID, kmsKey: input.kmsKey, copyEncrypted: encryption.encrypted, copyEncryption: encryption.explanation,
                optionGroupMapping: input.optionGroupMapping,
                retention: retention(of: try ledger.ownership(of: existing, database: input.database).judge(existing), after: input))
        }
        return CyclePlan(
            primaryRegion: config.primaryRegion.name, drRegion: config.drRegion.name, databasesFrom: databasesFrom, databases: plans,
            missing: selection.missing.map { MissingEntry(identifier: $0.identifier, kind: $0.kind?.rawValue) })
    }

    /// Retention as the cycle's cleanup step would apply it: the cycle's own copy counts as the newest, and
    /// is Ferry's.
    private func retention(of existing: [JudgedSnapshot], after input: BackupCycleInput) -> DatabasePlan.Retention {
        let copy = SnapshotRecord(
            identifier: input.copyID, arn: nil, status: "available", createdAt: input.scheduledFor,
            tags: [FerryTags.managed: FerryTags.managedValue, FerryTags.sourceDatabase: input.database])
        let alreadyThere = existing.contains { $0.snapshot.identifier == input.copyID }
        let plan = RetentionPlanner.plan(alreadyThere ? existing : existing + [JudgedSnapshot(copy, .ferrys)], database: input.database,
                                         rule: input.retention, now: input.scheduledFor)
        func decision(_ decision: RetentionDecision) -> SnapshotDecision {
            let isNewCopy = !alreadyThere && decision.snapshot.identifier == input.copyID
            return SnapshotDecision(
                snapshotId: decision.snapshot.identifier, status: isNewCopy ? "planned" : decision.snapshot.status,
                createdAt: decision.snapshot.createdAt, reason: isNewCopy ? "this cycle's copy: \(decision.reason)" : decision.reason)
        }
        return DatabasePlan.Retention(delete: plan.delete.map(decision), keep: plan.keep.map(decision))
    }
}

/// How a database's DR copy will be encrypted: a DB snapshot copy always under the DR key (an unencrypted
/// instance's copy is encrypted on the way); an Aurora cluster snapshot copy only if the cluster is
/// encrypted, because RDS refuses a KMS key for an unencrypted cluster snapshot.
struct CopyEncryption {
    var encrypted: Bool
    var explanation: String

    init(kind: DatabaseKind, sourceEncrypted: Bool?, kmsKey: String) {
        switch (kind, sourceEncrypted) {
        case (.cluster, false?):
            encrypted = false
            explanation = "unencrypted: Aurora cannot encrypt an unencrypted cluster snapshot while copying it (encrypt the cluster to get encrypted DR copies)"
        case (.instance, false?):
            encrypted = true
            explanation = "encrypted under \(kmsKey) (the instance is unencrypted: its copy is encrypted on the way)"
        default:
            encrypted = true
            explanation = "encrypted under \(kmsKey)"
        }
    }
}
