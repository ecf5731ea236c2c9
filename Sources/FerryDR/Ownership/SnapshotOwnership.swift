public import Foundation

/// Whose a DR snapshot is, as far as retention is concerned.
public enum OwnershipVerdict: Sendable, Hashable {
    /// Ferry's: its `ferry:run-id` tag names a backup-cycle run that recorded this very snapshot (identifier,
    /// ARN and creation time as RDS answers them now). The only snapshots retention may delete.
    case ferrys
    /// It does not carry Ferry's tags for this database.
    case notTaggedAsFerrys
    /// It carries Ferry's tags, but no run of Ferry's recorded it: a copy made with CopyTags, a snapshot a
    /// person recreated under a name Ferry used, or one only a catalog rebuilt from tags knows.
    case copiedTags
    /// It carries the tags of a run that is still in progress and has not recorded its copy yet.
    case notRecordedYet(run: UUID)
}

/// A DR snapshot with the verdict on its ownership: what `RetentionPlanner` plans from.
public struct JudgedSnapshot: Sendable, Hashable {
    public var snapshot: SnapshotRecord
    public var ownership: OwnershipVerdict

    public init(_ snapshot: SnapshotRecord, _ ownership: OwnershipVerdict) {
        self.snapshot = snapshot
        self.ownership = ownership
    }
}

/// Decides which of one database's DR snapshots are Ferry's, by identity rather than by tags, which RDS, the
/// console and other tools copy. A snapshot is Ferry's only if
/// (a) its identifier is the one a backup-cycle run derived for this database (`SnapshotNames`, recorded by
///     the run: the name prefix configured now may differ from the one the run used),
/// (b) its `ferry:run-id` tag names that run, whose await_copy checkpoint recorded the snapshot (`DRCopy`),
/// (c) and the record agrees with what RDS answers now: the same ARN and the same SnapshotCreateTime.
/// Pure: `runs` are Ferry's records of the runs the tags name, read in one query (`DRCopyLedger`).
public struct SnapshotOwnership: Sendable {
    public var database: String
    public var runs: [UUID: RecordedRun]

    public init(database: String, runs: [UUID: RecordedRun]) {
        self.database = database.lowercased()
        self.runs = runs
    }

    /// The runs the tags of `database`'s snapshots among `snapshots` name: those whose records decide.
    public static func namedRuns(in snapshots: [SnapshotRecord], database: String) -> [UUID] {
        let runs = snapshots.filter { FerryTags.isManagedSnapshot(of: database, tags: $0.tags) }
            .compactMap { $0.tags[FerryTags.runID].flatMap(UUID.init(uuidString:)) }
        return Array(Set(runs)).sorted { $0.uuidString < $1.uuidString }
    }

    public func verdict(on snapshot: SnapshotRecord) -> OwnershipVerdict {
        guard FerryTags.isManagedSnapshot(of: database, tags: snapshot.tags) else { return .notTaggedAsFerrys }
        guard let runID = snapshot.tags[FerryTags.runID].flatMap(UUID.init(uuidString:)), let run = runs[runID] else {
            return .copiedTags
        }
        guard let copy = run.copy else { return run.finished ? .copiedTags : .notRecordedYet(run: runID) }
        guard copy.database == database, copy.snapshotID == snapshot.identifier, copy.snapshotARN == snapshot.arn,
              let created = snapshot.createdAt, copy.created.matches(created) else { return .copiedTags }
        return .ferrys
    }

    public func judge(_ snapshots: [SnapshotRecord]) -> [JudgedSnapshot] {
        snapshots.map { JudgedSnapshot($0, verdict(on: $0)) }
    }
}
