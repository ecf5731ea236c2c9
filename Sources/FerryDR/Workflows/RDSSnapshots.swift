import FerryAWS
import Foundation

/// A DB snapshot or DB cluster snapshot, as the DR workflows need it.
struct SnapshotState: Sendable {
    var identifier: String
    var arn: String?
    var status: String
    var percentProgress: Int?
    var createTime: Date?
    var encrypted: Bool
    var kmsKeyID: String?
    var optionGroupName: String?
    var tags: [String: String]

    init(_ snapshot: DBSnapshot) {
        self.init(identifier: snapshot.identifier, arn: snapshot.arn, status: snapshot.status,
                  percentProgress: snapshot.percentProgress, createTime: snapshot.createTime, encrypted: snapshot.encrypted,
                  kmsKeyID: snapshot.kmsKeyID, optionGroupName: snapshot.optionGroupName, tags: snapshot.tags)
    }

    init(_ snapshot: DBClusterSnapshot) {
        self.init(identifier: snapshot.identifier, arn: snapshot.arn, status: snapshot.status,
                  percentProgress: snapshot.percentProgress, createTime: snapshot.createTime,
                  encrypted: snapshot.storageEncrypted, kmsKeyID: snapshot.kmsKeyID, optionGroupName: nil, tags: snapshot.tags)
    }

    init(identifier: String, arn: String?, status: String, percentProgress: Int?, createTime: Date?, encrypted: Bool,
         kmsKeyID: String?, optionGroupName: String?, tags: [String: String]) {
        self.identifier = identifier
        self.arn = arn
        self.status = status
        self.percentProgress = percentProgress
        self.createTime = createTime
        self.encrypted = encrypted
        self.kmsKeyID = kmsKeyID
        self.optionGroupName = optionGroupName
        self.tags = tags
    }

    /// What the status means for a workflow waiting on it.
    var phase: SnapshotPhase {
        switch status {
        case "available": .available
        case "creating", "copying", "pending", "modifying", "backing-up": .inProgress
        default: .failed
        }
    }

    var progressText: String {
        "\(identifier) is \(status)" + (percentProgress.map { " (\($0)%)" } ?? "")
    }
}

extension SnapshotRecord {
    init(_ state: SnapshotState) {
        self.init(identifier: state.identifier, arn: state.arn, status: state.status, createdAt: state.createTime, tags: state.tags)
    }
}

enum SnapshotPhase {
    case available, inProgress, failed
}

/// The snapshot APIs of one region for one kind of database: DB instance snapshots or DB cluster snapshots.
struct RDSSnapshots {
    let rds: RDSClient
    let kind: DatabaseKind

    func create(identifier: String, database: String, tags: [String: String]) throws -> SnapshotState {
        switch kind {
        case .instance: SnapshotState(try rds.createDBSnapshot(identifier: identifier, instanceIdentifier: database, tags: tags))
        case .cluster: SnapshotState(try rds.createDBClusterSnapshot(identifier: identifier, clusterIdentifier: database, tags: tags))
        }
    }

    func describe(_ identifier: String) throws -> SnapshotState? {
        switch kind {
        case .instance: try rds.describeDBSnapshot(identifier: identifier).map(SnapshotState.init)
        case .cluster: try rds.describeDBClusterSnapshot(identifier: identifier).map(SnapshotState.init)
        }
    }

    /// The manual snapshots of `database` in this region.
    func manualSnapshots(of database: String) throws -> [SnapshotState] {
        switch kind {
        case .instance:
            try rds.describeDBSnapshots(DBSnapshotQuery(instanceIdentifier: database, snapshotType: "manual")).map(SnapshotState.init)
        case .cluster:
            try rds.describeDBClusterSnapshots(clusterIdentifier: database, snapshotType: "manual").map(SnapshotState.init)
        }
    }

    /// Copies a snapshot of another region into this one. `kmsKeyID` nil copies an unencrypted cluster
    /// snapshot as it is (RDS refuses a key for one).
    func copy(sourceARN: String, target: String, kmsKeyID: String?, tags: [String: String], optionGroupName: String?) throws -> SnapshotState {
        switch kind {
        case .instance:
            SnapshotState(try rds.copyDBSnapshot(.crossRegion(
                sourceARN: sourceARN, targetIdentifier: target, kmsKeyID: kmsKeyID, copyTags: false, tags: tags,
                optionGroupName: optionGroupName)))
        case .cluster:
            SnapshotState(try rds.copyDBClusterSnapshot(.crossRegion(
                sourceARN: sourceARN, targetIdentifier: target, kmsKeyID: kmsKeyID, copyTags: false, tags: tags)))
        }
    }

    func delete(_ identifier: String) throws {
        switch kind {
        case .instance: _ = try rds.deleteDBSnapshot(identifier: identifier)
        case .cluster: _ = try rds.deleteDBClusterSnapshot(identifier: identifier)
        }
    }

    var alreadyExists: AWSErrorCode {
        kind == .instance ? .dbSnapshotAlreadyExists : .dbClusterSnapshotAlreadyExists
    }

    var notFound: AWSErrorCode {
        kind == .instance ? .dbSnapshotNotFound : .dbClusterSnapshotNotFound
    }

    /// The snapshot exists but its state forbids the call (deleting one that is not available).
    var invalidSnapshotState: AWSErrorCode {
        kind == .instance ? .invalidDBSnapshotState : .invalidDBClusterSnapshotState
    }

    /// The manual-snapshot quota of this kind, which `SnapshotQuotaExceeded` may mean.
    var manualSnapshotQuota: AccountQuota.Name {
        kind == .instance ? .manualSnapshots : .manualClusterSnapshots
    }

    var databaseNotFound: AWSErrorCode {
        kind == .instance ? .dbInstanceNotFound : .dbClusterNotFound
    }

    var invalidDatabaseState: AWSErrorCode {
        kind == .instance ? .invalidDBInstanceState : .invalidDBClusterState
    }
}
