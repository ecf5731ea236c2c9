public import FerryEngine
public import Foundation

/// Everything a backup-cycle run needs, fixed when the run starts, so the run finishes as it began even if
/// `ferry.yaml` changes meanwhile. Stored as the run's input.
public struct BackupCycleInput: Sendable, Equatable {
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
    /// The size of the copy pool of this database's kind (see `CopySlots`).
    public var copySlots: Int
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

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "database": .string(database), "kind": .string(kind.rawValue), "primary_region": .string(primaryRegion),
            "dr_region": .string(drRegion), "kms_key": .string(kmsKey),
            "scheduled_for": .string(ISO8601DateFormatter().string(from: scheduledFor)),
            "snapshot_id": .string(snapshotID), "copy_id": .string(copyID),
            "snapshot_tags": .object(snapshotTags.mapValues(JSONValue.string)),
            "option_group_mapping": .object(optionGroupMapping.mapValues(JSONValue.string)),
            "copy_slots": .number(Double(copySlots)),
        ]
        if let retentionDays { object["retention_days"] = .number(Double(retentionDays)) }
        if let retentionCount { object["retention_count"] = .number(Double(retentionCount)) }
        if let source, let encoded = try? JSONValue(encoding: source) { object["source"] = encoded }
        return .object(object)
    }

    public init(json: JSONValue) throws {
        let reader = InputReader(json)
        database = try reader.string("database")
        guard let kind = DatabaseKind(rawValue: try reader.string("kind")) else { throw reader.invalid("kind") }
        self.kind = kind
        primaryRegion = try reader.string("primary_region")
        drRegion = try reader.string("dr_region")
        kmsKey = try reader.string("kms_key")
        guard let scheduledFor = ISO8601DateFormatter().date(from: try reader.string("scheduled_for")) else {
            throw reader.invalid("scheduled_for")
        }
        self.scheduledFor = scheduledFor
        snapshotID = try reader.string("snapshot_id")
        copyID = try reader.string("copy_id")
        snapshotTags = try reader.stringMap("snapshot_tags")
        optionGroupMapping = try reader.stringMap("option_group_mapping")
        retentionDays = json["retention_days"]?.intValue
        retentionCount = json["retention_count"]?.intValue
        // Runs started before copy pools existed carry copy_concurrency instead.
        copySlots = json["copy_slots"]?.intValue ?? json["copy_concurrency"]?.intValue ?? CopySlots()[kind]
        do {
            source = try json["source"].map { try $0.decode(as: SourceSettings.self) }
        } catch {
            throw reader.invalid("source")
        }
    }

    public var retention: RetentionRule { RetentionRule(days: retentionDays, count: retentionCount) }
}

/// Reads a run's input or a step's output; a missing or mistyped field is a terminal step failure.
struct InputReader {
    let value: JSONValue

    init(_ value: JSONValue) {
        self.value = value
    }

    func string(_ key: String) throws -> String {
        guard let text = value[key]?.stringValue, !text.isEmpty else { throw invalid(key) }
        return text
    }

    func optionalString(_ key: String) -> String? {
        value[key]?.stringValue
    }

    func stringMap(_ key: String) throws -> [String: String] {
        guard let object = value[key]?.objectValue else { return [:] }
        return try object.mapValues { entry in
            guard let text = entry.stringValue else { throw invalid(key) }
            return text
        }
    }

    func invalid(_ key: String) -> StepFailure {
        .terminal("the run's data has no valid \"\(key)\"")
    }
}
