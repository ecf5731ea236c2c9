import FerryAWS

/// The pool of copy slots a snapshot copy holds a permit of, as AWS counts copies in progress: one per
/// account, destination region and kind (`rds-copies/123456789012/us-west-2/instance`). Its size is the
/// configured `copy_slots` of the kind.
struct CopyPool {
    /// What every copy pool's name begins with.
    static let prefix = "rds-copies/"

    let name: String

    init(sourceARN: String, drRegion: String, kind: DatabaseKind) throws {
        let arn = try ARN(parsing: sourceARN)
        name = "\(Self.prefix)\(arn.account)/\(drRegion)/\(kind.rawValue)"
    }
}
