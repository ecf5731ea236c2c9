public import FerryEngine
public import Foundation

/// What a restore or drill run restores, and how; fixed when the run starts. Stored as the run's input.
public struct RestoreInput: Sendable, Equatable {
    public var database: String
    public var kind: DatabaseKind
    public var drRegion: String
    /// A named DR snapshot, or nil for the newest available one Ferry made of the database.
    public var snapshotID: String?
    /// The identifier of the restored instance (or cluster).
    public var targetID: String
    public var settings: RestoreSettings
    /// A drill deletes what it restored once it is available, and records the restore time.
    public var isDrill: Bool
    public var alertTopic: String

    public init(database: String, kind: DatabaseKind, drRegion: String, snapshotID: String?, targetID: String,
                settings: RestoreSettings, isDrill: Bool, alertTopic: String) {
        self.database = database
        self.kind = kind
        self.drRegion = drRegion
        self.snapshotID = snapshotID
        self.targetID = targetID
        self.settings = settings
        self.isDrill = isDrill
        self.alertTopic = alertTopic
    }

    /// The temporary identifier of a drill: `ferry-drill-<db>-<yyyyMMddHHmm>`, within instance limits.
    public static func drillIdentifier(database: String, at date: Date) -> String {
        SnapshotNames(prefix: "ferry-drill", database: database, kind: .cluster, scheduledFor: date).source
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "database": .string(database), "kind": .string(kind.rawValue), "dr_region": .string(drRegion),
            "target_id": .string(targetID), "drill": .bool(isDrill), "alert_topic": .string(alertTopic),
            "security_groups": .array(settings.securityGroups.map(JSONValue.string)),
            "multi_az": .bool(settings.multiAZ), "publicly_accessible": .bool(settings.publiclyAccessible),
            "deletion_protection": .bool(settings.deletionProtection),
        ]
        if let snapshotID { object["snapshot_id"] = .string(snapshotID) }
        if let value = settings.instanceClass { object["instance_class"] = .string(value) }
        if let value = settings.subnetGroup { object["subnet_group"] = .string(value) }
        if let value = settings.parameterGroup { object["parameter_group"] = .string(value) }
        if let value = settings.optionGroup { object["option_group"] = .string(value) }
        return .object(object)
    }

    public init(json: JSONValue) throws {
        let reader = InputReader(json)
        database = try reader.string("database")
        guard let kind = DatabaseKind(rawValue: try reader.string("kind")) else { throw reader.invalid("kind") }
        self.kind = kind
        drRegion = try reader.string("dr_region")
        snapshotID = reader.optionalString("snapshot_id")
        targetID = try reader.string("target_id")
        isDrill = json["drill"]?.boolValue ?? false
        alertTopic = try reader.string("alert_topic")
        settings = RestoreSettings(
            instanceClass: reader.optionalString("instance_class"), subnetGroup: reader.optionalString("subnet_group"),
            securityGroups: json["security_groups"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            multiAZ: json["multi_az"]?.boolValue ?? false, publiclyAccessible: json["publicly_accessible"]?.boolValue ?? false,
            parameterGroup: reader.optionalString("parameter_group"), optionGroup: reader.optionalString("option_group"),
            deletionProtection: json["deletion_protection"]?.boolValue ?? false
        )
    }
}
