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

/// RestoreDBInstanceFromDBSnapshot: the settings a DR restore chooses; nil fields are not sent (RDS then takes
/// them from the snapshot or its defaults). Each field is sent under the botocore member name its comment gives.
public struct RestoreDBInstanceRequest: Sendable {
    /// `DBInstanceIdentifier`.
    public var instanceIdentifier: String
    /// `DBSnapshotIdentifier`.
    public var snapshotIdentifier: String
    /// `DBInstanceClass`.
    public var instanceClass: String?
    /// `DBSubnetGroupName`.
    public var dbSubnetGroupName: String?
    /// `VpcSecurityGroupIds` (none sent when empty).
    public var vpcSecurityGroupIDs: [String]
    /// `MultiAZ`.
    public var multiAZ: Bool?
    /// `PubliclyAccessible`.
    public var publiclyAccessible: Bool?
    /// `DBParameterGroupName`.
    public var parameterGroupName: String?
    /// `OptionGroupName`.
    public var optionGroupName: String?
    /// `Port`.
    public var port: Int?
    /// `AvailabilityZone` (not with `multiAZ`).
    public var availabilityZone: String?
    /// `DeletionProtection`.
    public var deletionProtection: Bool?
    /// `StorageType`: `gp2`, `gp3`, `io1`, `io2`, `standard`; io1, io2 (and gp3 above its baseline) need `iops`.
    public var storageType: String?
    /// `Iops`: provisioned IOPS; 0 converts the restored instance to storage without provisioned IOPS.
    public var iops: Int?
    /// `StorageThroughput`, MiB/s (gp3).
    public var storageThroughput: Int?
    /// `AllocatedStorage`, GiB: at least the snapshot's.
    public var allocatedStorage: Int?
    /// `EnableIAMDatabaseAuthentication`.
    public var enableIAMDatabaseAuthentication: Bool?
    /// `LicenseModel`.
    public var licenseModel: String?
    /// `AutoMinorVersionUpgrade`.
    public var autoMinorVersionUpgrade: Bool?
    /// `CopyTagsToSnapshot`.
    public var copyTagsToSnapshot: Bool?
    /// `CACertificateIdentifier`.
    public var caCertificateIdentifier: String?
    /// `Tags` (none sent when empty).
    public var tags: [String: String]

    public init(instanceIdentifier: String, snapshotIdentifier: String, instanceClass: String? = nil,
                dbSubnetGroupName: String? = nil, vpcSecurityGroupIDs: [String] = [], multiAZ: Bool? = nil,
                publiclyAccessible: Bool? = nil, parameterGroupName: String? = nil, optionGroupName: String? = nil,
                port: Int? = nil, availabilityZone: String? = nil, deletionProtection: Bool? = nil,
                storageType: String? = nil, iops: Int? = nil, storageThroughput: Int? = nil, allocatedStorage: Int? = nil,
                enableIAMDatabaseAuthentication: Bool? = nil, licenseModel: String? = nil,
                autoMinorVersionUpgrade: Bool? = nil, copyTagsToSnapshot: Bool? = nil,
                caCertificateIdentifier: String? = nil, tags: [String: String] = [:]) {
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
        self.storageType = storageType
        self.iops = iops
        self.storageThroughput = storageThroughput
        self.allocatedStorage = allocatedStorage
        self.enableIAMDatabaseAuthentication = enableIAMDatabaseAuthentication
        self.licenseModel = licenseModel
        self.autoMinorVersionUpgrade = autoMinorVersionUpgrade
        self.copyTagsToSnapshot = copyTagsToSnapshot
        self.caCertificateIdentifier = caCertificateIdentifier
        self.tags = tags
    }
}

/// RestoreDBClusterFromSnapshot: the settings a DR restore of an Aurora cluster chooses; nil fields are not
/// sent. Do not set `kmsKeyID` for an unencrypted snapshot: RDS refuses it.
public struct RestoreDBClusterRequest: Sendable {
    /// `DBClusterIdentifier`.
    public var clusterIdentifier: String
    /// `SnapshotIdentifier`: a cluster snapshot's identifier or ARN.
    public var snapshotIdentifier: String
    /// `Engine` (required by RDS).
    public var engine: String
    /// `EngineVersion`; nil: the region's default version of the engine, so set it to reproduce a cluster.
    public var engineVersion: String?
    /// `Port`.
    public var port: Int?
    /// `DBSubnetGroupName`.
    public var dbSubnetGroupName: String?
    /// `VpcSecurityGroupIds` (none sent when empty).
    public var vpcSecurityGroupIDs: [String]
    /// `OptionGroupName`.
    public var optionGroupName: String?
    /// `DBClusterParameterGroupName`.
    public var parameterGroupName: String?
    /// `KmsKeyId`.
    public var kmsKeyID: String?
    /// `EnableIAMDatabaseAuthentication`.
    public var enableIAMDatabaseAuthentication: Bool?
    /// `ServerlessV2ScalingConfiguration` (`.MinCapacity`, `.MaxCapacity`; a nil bound is not sent).
    public var serverlessV2ScalingConfiguration: ServerlessV2Scaling?
    /// `CopyTagsToSnapshot`.
    public var copyTagsToSnapshot: Bool?
    /// `DeletionProtection`.
    public var deletionProtection: Bool?
    /// `Tags` (none sent when empty).
    public var tags: [String: String]

    public init(clusterIdentifier: String, snapshotIdentifier: String, engine: String, engineVersion: String? = nil,
                port: Int? = nil, dbSubnetGroupName: String? = nil, vpcSecurityGroupIDs: [String] = [],
                optionGroupName: String? = nil, parameterGroupName: String? = nil, kmsKeyID: String? = nil,
                enableIAMDatabaseAuthentication: Bool? = nil, serverlessV2ScalingConfiguration: ServerlessV2Scaling? = nil,
                copyTagsToSnapshot: Bool? = nil, deletionProtection: Bool? = nil, tags: [String: String] = [:]) {
        self.clusterIdentifier = clusterIdentifier
        self.snapshotIdentifier = snapshotIdentifier
        self.engine = engine
        self.engineVersion = engineVersion
        self.port = port
        self.dbSubnetGroupName = dbSubnetGroupName
        self.vpcSecurityGroupIDs = vpcSecurityGroupIDs
        self.optionGroupName = optionGroupName
        self.parameterGroupName = parameterGroupName
        self.kmsKeyID = kmsKeyID
        self.enableIAMDatabaseAuthentication = enableIAMDatabaseAuthentication
        self.serverlessV2ScalingConfiguration = serverlessV2ScalingConfiguration
        self.copyTagsToSnapshot = copyTagsToSnapshot
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
    /// `DBParameterGroupName` (for an Aurora instance: its DB parameter group, not the cluster's).
    public var parameterGroupName: String?
    public var multiAZ: Bool?
    /// `PubliclyAccessible`.
    public var publiclyAccessible: Bool?
    /// `AvailabilityZone` (for an Aurora instance: one of its cluster's).
    public var availabilityZone: String?
    /// `Tags` (none sent when empty).
    public var tags: [String: String]

    public init(instanceIdentifier: String, instanceClass: String, engine: String, clusterIdentifier: String? = nil,
                allocatedStorage: Int? = nil, masterUsername: String? = nil, masterUserPassword: String? = nil,
                storageEncrypted: Bool? = nil, kmsKeyID: String? = nil, dbSubnetGroupName: String? = nil,
                vpcSecurityGroupIDs: [String] = [], optionGroupName: String? = nil, parameterGroupName: String? = nil,
                multiAZ: Bool? = nil, publiclyAccessible: Bool? = nil, availabilityZone: String? = nil,
                tags: [String: String] = [:]) {
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
        self.availabilityZone = availabilityZone
        self.tags = tags
    }
}
