/// How long Ferry keeps its snapshots of one database in the DR region. At least one rule is set.
///
/// With both, a snapshot is kept while EITHER rule keeps it (within `days` OR among the newest `count`):
/// the safer reading, which never deletes a snapshot that one of the two rules still wants. The newest
/// available snapshot is never deleted, whatever the rules say. See `RetentionPlanner`.
public struct RetentionRule: Sendable, Hashable {
    /// Keep snapshots created within this many days.
    public var days: Int?
    /// Keep the newest this many available snapshots.
    public var count: Int?

    public init(days: Int? = nil, count: Int? = nil) {
        precondition(days != nil || count != nil, "a retention rule needs days, count or both")
        self.days = days
        self.count = count
    }
}

/// How a database is restored in the DR region (for a recovery or a drill): the configured overrides of
/// the source's own settings, which its restore point recorded (see `RestoreSpec`). nil: not configured.
public struct RestoreSettings: Sendable, Hashable {
    /// `db.r6g.large`; nil keeps the source's class.
    public var instanceClass: String?
    /// A subnet group of the DR region; nil works only for a source in the default subnet group.
    public var subnetGroup: String?
    /// VPC security group ids of the DR region (`sg-…`); nil uses the VPC's default group.
    public var securityGroups: [String]?
    /// nil keeps the source's.
    public var multiAZ: Bool?
    /// nil: not publicly accessible.
    public var publiclyAccessible: Bool?
    /// A parameter group of the DR region; nil works only for a source with a default parameter group.
    public var parameterGroup: String?
    /// nil uses the mapping in `DatabaseSettings.optionGroupMapping`, else the default option group.
    public var optionGroup: String?
    /// nil keeps the source's.
    public var deletionProtection: Bool?

    public init(
        instanceClass: String? = nil, subnetGroup: String? = nil, securityGroups: [String]? = nil,
        multiAZ: Bool? = nil, publiclyAccessible: Bool? = nil, parameterGroup: String? = nil,
        optionGroup: String? = nil, deletionProtection: Bool? = nil
    ) {
        self.instanceClass = instanceClass
        self.subnetGroup = subnetGroup
        self.securityGroups = securityGroups
        self.multiAZ = multiAZ
        self.publiclyAccessible = publiclyAccessible
        self.parameterGroup = parameterGroup
        self.optionGroup = optionGroup
        self.deletionProtection = deletionProtection
    }
}

public struct DatabaseSettings: Sendable, Hashable {
    public static let defaultSnapshotPrefix = "ferry"

    /// When to take a snapshot.
    public var schedule: CronSchedule
    public var retention: RetentionRule
    /// The recovery point objective: alert when the newest available DR snapshot is older. `nil`: no alert.
    public var recoveryPointObjective: Duration?
    /// Starts every snapshot identifier (see `SnapshotNames`); 1-20 characters, lower-case.
    public var snapshotPrefix: String
    /// Added to every snapshot Ferry creates, besides Ferry's own `ferry:` tags.
    public var snapshotTags: [String: String]
    /// Source option group name → option group to use in the DR region (CopyDBSnapshot's `OptionGroupName`).
    public var optionGroupMapping: [String: String]
    public var restore: RestoreSettings
    /// When to run a restore drill; `nil`: no drills.
    public var drillSchedule: CronSchedule?

    public init(
        schedule: CronSchedule, retention: RetentionRule, recoveryPointObjective: Duration? = nil,
        snapshotPrefix: String = Self.defaultSnapshotPrefix, snapshotTags: [String: String] = [:],
        optionGroupMapping: [String: String] = [:], restore: RestoreSettings = RestoreSettings(),
        drillSchedule: CronSchedule? = nil
    ) {
        self.schedule = schedule
        self.retention = retention
        self.recoveryPointObjective = recoveryPointObjective
        self.snapshotPrefix = snapshotPrefix
        self.snapshotTags = snapshotTags
        self.optionGroupMapping = optionGroupMapping
        self.restore = restore
        self.drillSchedule = drillSchedule
    }
}
