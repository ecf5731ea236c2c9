/// Which snapshots `describeDBSnapshots` returns; every field left nil is not sent.
public struct DBSnapshotQuery: Sendable {
    public var snapshotIdentifier: String?
    public var instanceIdentifier: String?
    /// `manual`, `automated`, `shared`, `public`, `awsbackup`.
    public var snapshotType: String?
    public var filters: [RDSFilter]
    public var pageSize: Int?

    public init(snapshotIdentifier: String? = nil, instanceIdentifier: String? = nil, snapshotType: String? = nil,
                filters: [RDSFilter] = [], pageSize: Int? = nil) {
        self.snapshotIdentifier = snapshotIdentifier
        self.instanceIdentifier = instanceIdentifier
        self.snapshotType = snapshotType
        self.filters = filters
        self.pageSize = pageSize
    }
}

/// CopyDBSnapshot, called in the destination region. For a cross-region copy `source` is the source
/// snapshot's ARN and `sourceRegion` is set: the client then adds the pre-signed URL the SDKs build.
public struct CopyDBSnapshotRequest: Sendable {
    public var source: String
    public var targetIdentifier: String
    public var sourceRegion: String?
    public var kmsKeyID: String?
    public var copyTags: Bool?
    public var tags: [String: String]
    public var optionGroupName: String?

    public init(source: String, targetIdentifier: String, sourceRegion: String? = nil, kmsKeyID: String? = nil,
                copyTags: Bool? = nil, tags: [String: String] = [:], optionGroupName: String? = nil) {
        self.source = source
        self.targetIdentifier = targetIdentifier
        self.sourceRegion = sourceRegion
        self.kmsKeyID = kmsKeyID
        self.copyTags = copyTags
        self.tags = tags
        self.optionGroupName = optionGroupName
    }

    /// A cross-region copy of the snapshot `sourceARN`; the source region is read from the ARN.
    public static func crossRegion(sourceARN: String, targetIdentifier: String, kmsKeyID: String?, copyTags: Bool? = nil,
                                   tags: [String: String] = [:], optionGroupName: String? = nil) throws -> CopyDBSnapshotRequest {
        let arn = try ARN(parsing: sourceARN)
        return CopyDBSnapshotRequest(source: sourceARN, targetIdentifier: targetIdentifier, sourceRegion: arn.region,
                                     kmsKeyID: kmsKeyID, copyTags: copyTags, tags: tags, optionGroupName: optionGroupName)
    }
}

/// CopyDBClusterSnapshot; as `CopyDBSnapshotRequest`, for Aurora.
public struct CopyDBClusterSnapshotRequest: Sendable {
    public var source: String
    public var targetIdentifier: String
    public var sourceRegion: String?
    public var kmsKeyID: String?
    public var copyTags: Bool?
    public var tags: [String: String]

    public init(source: String, targetIdentifier: String, sourceRegion: String? = nil, kmsKeyID: String? = nil,
                copyTags: Bool? = nil, tags: [String: String] = [:]) {
        self.source = source
        self.targetIdentifier = targetIdentifier
        self.sourceRegion = sourceRegion
        self.kmsKeyID = kmsKeyID
        self.copyTags = copyTags
        self.tags = tags
    }

    public static func crossRegion(sourceARN: String, targetIdentifier: String, kmsKeyID: String?, copyTags: Bool? = nil,
                                   tags: [String: String] = [:]) throws -> CopyDBClusterSnapshotRequest {
        let arn = try ARN(parsing: sourceARN)
        return CopyDBClusterSnapshotRequest(source: sourceARN, targetIdentifier: targetIdentifier, sourceRegion: arn.region,
                                            kmsKeyID: kmsKeyID, copyTags: copyTags, tags: tags)
    }
}

/// RestoreDBInstanceFromDBSnapshot: the settings a DR restore chooses; nil fields are not sent.
public struct RestoreDBInstanceRequest: Sendable {
    public var instanceIdentifier: String
    public var snapshotIdentifier: String
    public var instanceClass: String?
    public var dbSubnetGroupName: String?
    public var vpcSecurityGroupIDs: [String]
    public var multiAZ: Bool?
    public var publiclyAccessible: Bool?
    public var parameterGroupName: String?
    public var optionGroupName: String?
    public var port: Int?
    public var availabilityZone: String?
    public var deletionProtection: Bool?
    public var tags: [String: String]

    public init(instanceIdentifier: String, snapshotIdentifier: String, instanceClass: String? = nil,
                dbSubnetGroupName: String? = nil, vpcSecurityGroupIDs: [String] = [], multiAZ: Bool? = nil,
                publiclyAccessible: Bool? = nil, parameterGroupName: String? = nil, optionGroupName: String? = nil,
                port: Int? = nil, availabilityZone: String? = nil, deletionProtection: Bool? = nil, tags: [String: String] = [:]) {
        self.instanceIdentifier = instanceIdentifier
        self.snapshotIdentifier = snapshotIdentifier
        self.instanceClass = instanceClass
        self.dbSubnetGroupName = dbSubnetGroupName
        self.vpcSecurityGroupIDs = vpcSecurityGroupIDs
        self.multiAZ = multiAZ
        self.publiclyAccessible = publiclyAccessible
        self.parameterGroupName = parameterGroupName
        self.optionGroupName = optionGroupName
        self.port = port
        self.availabilityZone = availabilityZone
        self.deletionProtection = deletionProtection
        self.tags = tags
    }
}

/// CreateDBInstance: a sample database (tests, demo) or the instance of a restored Aurora cluster.
public struct CreateDBInstanceRequest: Sendable {
    public var instanceIdentifier: String
    public var instanceClass: String
    public var engine: String
    public var clusterIdentifier: String?
    public var allocatedStorage: Int?
    public var masterUsername: String?
    public var masterUserPassword: String?
    public var storageEncrypted: Bool?
    public var kmsKeyID: String?
    public var dbSubnetGroupName: String?
    public var vpcSecurityGroupIDs: [String]
    public var optionGroupName: String?
    public var parameterGroupName: String?
    public var multiAZ: Bool?
    public var publiclyAccessible: Bool?
    public var tags: [String: String]

    public init(instanceIdentifier: String, instanceClass: String, engine: String, clusterIdentifier: String? = nil,
                allocatedStorage: Int? = nil, masterUsername: String? = nil, masterUserPassword: String? = nil,
                storageEncrypted: Bool? = nil, kmsKeyID: String? = nil, dbSubnetGroupName: String? = nil,
                vpcSecurityGroupIDs: [String] = [], optionGroupName: String? = nil, parameterGroupName: String? = nil,
                multiAZ: Bool? = nil, publiclyAccessible: Bool? = nil, tags: [String: String] = [:]) {
        self.instanceIdentifier = instanceIdentifier
        self.instanceClass = instanceClass
        self.engine = engine
        self.clusterIdentifier = clusterIdentifier
        self.allocatedStorage = allocatedStorage
        self.masterUsername = masterUsername
        self.masterUserPassword = masterUserPassword
        self.storageEncrypted = storageEncrypted
        self.kmsKeyID = kmsKeyID
        self.dbSubnetGroupName = dbSubnetGroupName
        self.vpcSecurityGroupIDs = vpcSecurityGroupIDs
        self.optionGroupName = optionGroupName
        self.parameterGroupName = parameterGroupName
        self.multiAZ = multiAZ
        self.publiclyAccessible = publiclyAccessible
        self.tags = tags
    }
}
