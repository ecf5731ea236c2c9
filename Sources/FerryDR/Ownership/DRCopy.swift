public import Foundation
import FerryPostgres

/// The DR snapshot a backup cycle made, as the cycle records it once the copy is available: the await_copy
/// step's output carries it as `dr_copy` (snake_case), and the trigger of `sql/dr/007_snapshot_ownership.sql`
/// records it in `ferry.dr_copies` in the same transaction as the checkpoint, under the checkpoint's run.
/// It is what proves a DR snapshot Ferry's (`SnapshotOwnership`); tags prove nothing.
public struct DRCopy: Sendable, Codable, Equatable {
    public var database: String
    public var drRegion: String
    public var snapshotID: String
    public var snapshotARN: String
    /// SnapshotCreateTime as RDS answered for the available copy.
    public var createdAt: Date

    public init(database: String, drRegion: String, snapshotID: String, snapshotARN: String, createdAt: Date) {
        self.database = database
        self.drRegion = drRegion
        self.snapshotID = snapshotID
        self.snapshotARN = snapshotARN
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case database
        case drRegion = "dr_region"
        case snapshotID = "snapshot_id"
        case snapshotARN = "snapshot_arn"
        case createdAt = "created_at"
    }

    /// Written and read by hand only for `created_at`: to the microsecond (PostgreSQL's precision; AWS
    /// answers milliseconds), where the engine's ISO 8601 dates stop at the second, because ownership compares
    /// it with what RDS answers later.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(database, forKey: .database)
        try container.encode(drRegion, forKey: .drRegion)
        try container.encode(snapshotID, forKey: .snapshotID)
        try container.encode(snapshotARN, forKey: .snapshotARN)
        try container.encode(PostgresTimestamp.format(createdAt), forKey: .createdAt)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        database = try container.decode(String.self, forKey: .database)
        drRegion = try container.decode(String.self, forKey: .drRegion)
        snapshotID = try container.decode(String.self, forKey: .snapshotID)
        snapshotARN = try container.decode(String.self, forKey: .snapshotARN)
        let created = try container.decode(String.self, forKey: .createdAt)
        guard let date = PostgresTimestamp.parse(created) else {
            throw DecodingError.dataCorruptedError(forKey: .createdAt, in: container, debugDescription: "not a timestamp: \(created)")
        }
        createdAt = date
    }
}

/// What Ferry's records hold of a backup-cycle run that a snapshot's `ferry:run-id` tag names.
public struct RecordedRun: Sendable, Equatable {
    /// Whether the run has ended (succeeded, failed or cancelled).
    public var finished: Bool
    /// The DR copy the run recorded, if it got that far.
    public var copy: RecordedCopy?

    public init(finished: Bool, copy: RecordedCopy?) {
        self.finished = finished
        self.copy = copy
    }
}

/// A row of `ferry.dr_copies`.
public struct RecordedCopy: Sendable, Equatable {
    /// When the copy was created, as recorded.
    public enum Creation: Sendable, Equatable {
        /// SnapshotCreateTime, as RDS answered when the copy became available.
        case at(Date)
        /// Copies recorded before migration dr 7: between the run's creation and its await_copy checkpoint,
        /// widened by the clocks' leeway.
        case within(ClosedRange<Date>)

        /// Whether a snapshot created at `time` (as RDS answers now) is the one recorded: the same instant to
        /// the microsecond (PostgreSQL's precision), or within the window.
        public func matches(_ time: Date) -> Bool {
            switch self {
            case .at(let recorded): abs(recorded.timeIntervalSince(time)) < 0.000_001
            case .within(let window): window.contains(time)
            }
        }
    }

    public var database: String
    public var snapshotID: String
    public var snapshotARN: String
    public var created: Creation

    public init(database: String, snapshotID: String, snapshotARN: String, created: Creation) {
        self.database = database
        self.snapshotID = snapshotID
        self.snapshotARN = snapshotARN
        self.created = created
    }
}
