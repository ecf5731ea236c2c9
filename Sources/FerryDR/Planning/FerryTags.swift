public import Foundation

/// The tags Ferry puts on what it creates. They say which database a snapshot belongs to, but they are
/// copied (by RDS, the console, other tools): carrying them is necessary for Ferry to delete a snapshot,
/// never sufficient (`SnapshotOwnership` decides from Ferry's own records).
public enum FerryTags {
    /// Reserved for Ferry: users may not set tags starting with it.
    public static let prefix = "ferry:"
    /// `true` on everything Ferry created.
    public static let managed = "ferry:managed"
    /// The workflow run that created the resource.
    public static let runID = "ferry:run-id"
    /// The identifier of the protected database (lower-case).
    public static let sourceDatabase = "ferry:source-db"
    /// The primary region the database lives in.
    public static let sourceRegion = "ferry:source-region"
    /// The scheduled fire time the snapshot stands for, UTC, `2026-11-25T13:00Z`.
    public static let scheduledFor = "ferry:scheduled-for"

    public static let managedValue = "true"

    /// Ferry's tags for a snapshot of `database` taken by run `runID` for the fire time `scheduledFor`,
    /// merged over the user's `snapshot_tags` (Ferry's win; users cannot set `ferry:` keys anyway).
    public static func snapshotTags(
        runID: String, database: String, sourceRegion: AWSRegion, scheduledFor: Date, userTags: [String: String]
    ) -> [String: String] {
        userTags.merging([
            managed: managedValue,
            Self.runID: runID,
            sourceDatabase: database.lowercased(),
            Self.sourceRegion: sourceRegion.name,
            Self.scheduledFor: UTCMinute.iso8601(scheduledFor),
        ]) { _, ferry in ferry }
    }

    /// Whether `tags` claim a snapshot as Ferry's snapshot of `database` (a claim `SnapshotOwnership` checks).
    public static func isManagedSnapshot(of database: String, tags: [String: String]) -> Bool {
        tags[managed] == managedValue && tags[sourceDatabase]?.lowercased() == database.lowercased()
    }
}
