import FerryAWS
import FerryEngine
import Foundation

/// The pool of copy slots a snapshot copy holds a permit of, as AWS counts copies in progress: one per
/// account, destination region and kind (`rds-copies/123456789012/us-west-2/instance`). Its size is the
/// configured `copy_slots` of the kind.
struct CopyPool {
    let name: String

    init(sourceARN: String, drRegion: String, kind: DatabaseKind) throws {
        let arn = try ARN(parsing: sourceARN)
        name = "rds-copies/\(arn.account)/\(drRegion)/\(kind.rawValue)"
    }
}

/// What `await_snapshot` recorded of the primary snapshot, which the copy needs.
struct SourceSnapshot {
    var arn: String
    var encrypted: Bool
    var optionGroup: String?
    /// When the snapshot was taken: how old the data of its copy is.
    var createdAt: Date?

    init(_ output: JSONValue?) throws {
        let reader = InputReader(output ?? [:])
        arn = try reader.string("snapshot_arn")
        guard let encrypted = output?["encrypted"]?.boolValue else { throw reader.invalid("encrypted") }
        self.encrypted = encrypted
        optionGroup = reader.optionalString("option_group")
        createdAt = reader.optionalString("snapshot_created_at").flatMap { ISO8601DateFormatter().date(from: $0) }
    }
}
