public import Foundation

/// Everything a backup-cycle run needs, fixed when the run starts, so the run finishes as it began even if
/// `ferry.yaml` changes meanwhile. Stored as the run's input.
public struct BackupCycleInput: Sendable, Codable, Equatable {
    public var database: String
    public var kind: DatabaseKind
    public var primaryRegion: String
    public var drRegion: String
    /// The DR region's KMS key, as configured (id, alias or ARN).
    public var kmsKey: String
    public var scheduledFor: Date
    public var snapshotID: String
    public var copyID: String
    public var snapshotTags: [String: String]
    public var optionGroupMapping: [String: String]
    public var retentionDays: Int?
    public var retentionCount: Int?
    /// The size of the copy pool of this database's kind (see `CopySlots`); nil for runs started before copy
    /// pools existed, which use the default size.
    public var copySlots: Int?
    /// The database's settings when the cycle started, which its restore point records; nil for runs
    /// started before Ferry recorded them.
    public var source: SourceSettings?

    public init(protected: ProtectedDatabase, config: FerryConfig, scheduledFor: Date) {
        let names = SnapshotNames(prefix: protected.settings.snapshotPrefix, database: protected.database.identifier,
                                  kind: protected.database.kind, scheduledFor: scheduledFor)
        database = protected.database.identifier
        kind = protected.database.kind
        primaryRegion = config.primaryRegion.name
        drRegion = config.drRegion.name
        kmsKey = config.drKMSKey.description
        self.scheduledFor = scheduledFor
        snapshotID = names.source
        copyID = names.drCopy
        snapshotTags = protected.settings.snapshotTags
        optionGroupMapping = protected.settings.optionGroupMapping
        retentionDays = protected.settings.retention.days
        retentionCount = protected.settings.retention.count
        copySlots = config.copySlots[protected.database.kind]
        source = protected.database.source
    }

    public var retention: RetentionRule { RetentionRule(days: retentionDays, count: retentionCount) }

    enum CodingKeys: String, CodingKey {
        case database, kind
        case primaryRegion = "primary_region"
        case drRegion = "dr_region"
        case kmsKey = "kms_key"
        case scheduledFor = "scheduled_for"
        case snapshotID = "snapshot_id"
        case copyID = "copy_id"
        case snapshotTags = "snapshot_tags"
        case optionGroupMapping = "option_group_mapping"
        case retentionDays = "retention_days"
        case retentionCount = "retention_count"
        case copySlots = "copy_slots"
        case source
    }
}
