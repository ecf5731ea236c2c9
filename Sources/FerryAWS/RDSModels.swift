public import Foundation

/// A `Filters.Filter` of the RDS describe calls, e.g. `RDSFilter(name: "db-instance-id", values: ["db1"])`.
public struct RDSFilter: Sendable, Equatable {
    public var name: String
    public var values: [String]

    public init(name: String, values: [String]) {
        self.name = name
        self.values = values
    }
}

/// An RDS DB snapshot, with what a DR tool needs of it. Tags come from the describe result's TagList.
public struct DBSnapshot: Sendable, Equatable {
    public var identifier: String
    public var arn: String?
    public var instanceIdentifier: String?
    public var status: String
    public var percentProgress: Int?
    public var createTime: Date?
    public var originalCreateTime: Date?
    public var snapshotType: String?
    public var engine: String?
    public var engineVersion: String?
    public var encrypted: Bool
    public var kmsKeyID: String?
    public var sourceRegion: String?
    public var sourceSnapshotIdentifier: String?
    public var optionGroupName: String?
    public var port: Int?
    public var availabilityZone: String?
    public var allocatedStorage: Int?
    public var storageType: String?
    public var vpcID: String?
    public var tags: [String: String]
}

/// An Aurora DB cluster snapshot.
public struct DBClusterSnapshot: Sendable, Equatable {
    public var identifier: String
    public var arn: String?
    public var clusterIdentifier: String?
    public var status: String
    public var percentProgress: Int?
    public var createTime: Date?
    public var snapshotType: String?
    public var engine: String?
    public var engineVersion: String?
    public var storageEncrypted: Bool
    public var kmsKeyID: String?
    public var sourceSnapshotARN: String?
    public var port: Int?
    public var availabilityZones: [String]
    public var allocatedStorage: Int?
    public var vpcID: String?
    public var tags: [String: String]
}

/// An RDS DB instance.
public struct DBInstance: Sendable, Equatable {
    public var identifier: String
    public var arn: String?
    public var status: String
    public var instanceClass: String?
    public var engine: String?
    public var engineVersion: String?
    public var endpointAddress: String?
    public var endpointPort: Int?
    public var clusterIdentifier: String?
    public var storageEncrypted: Bool
    public var kmsKeyID: String?
    public var multiAZ: Bool?
    public var publiclyAccessible: Bool?
    public var deletionProtection: Bool?
    public var availabilityZone: String?
    public var dbSubnetGroupName: String?
    public var optionGroupNames: [String]
    public var parameterGroupNames: [String]
    public var vpcSecurityGroupIDs: [String]
    public var createTime: Date?
    public var tags: [String: String]

    // What a restore must reproduce (DescribeDBInstances; nil when RDS leaves the member out).

    /// `AllocatedStorage`: the storage allocated, in GiB.
    public var allocatedStorage: Int?
    /// `StorageType`: `gp2`, `gp3`, `io1`, `io2`, `standard` (`aurora`, `aurora-iopt1` for Aurora instances).
    public var storageType: String?
    /// `Iops`: the provisioned IOPS (io1, io2; gp3 above its baseline).
    public var iops: Int?
    /// `StorageThroughput`: the storage throughput in MiB/s (gp3 only).
    public var storageThroughput: Int?
    /// `IAMDatabaseAuthenticationEnabled`: whether IAM accounts map to database accounts.
    public var iamDatabaseAuthenticationEnabled: Bool?
    /// `DbInstancePort`, as RDS reports it: it is 0 for an instance outside a cluster (the port is then only in
    /// `Endpoint`), so use `port`.
    public var dbInstancePort: Int?
    /// `LicenseModel`, e.g. `postgresql-license`, `general-public-license`, `license-included`.
    public var licenseModel: String?
    /// `AutoMinorVersionUpgrade`.
    public var autoMinorVersionUpgrade: Bool?
    /// `CopyTagsToSnapshot` (for an Aurora instance the cluster's setting is the one that counts).
    public var copyTagsToSnapshot: Bool?
    /// `CACertificateIdentifier`: the CA of the server certificate, e.g. `rds-ca-rsa2048-g1`.
    public var caCertificateIdentifier: String?

    /// The port the instance listens on: `Endpoint.Port`, else a non-zero `DbInstancePort` (the endpoint is
    /// missing while an instance is being created).
    public var port: Int? { endpointPort ?? dbInstancePort.flatMap { $0 > 0 ? $0 : nil } }
}

/// An Aurora Serverless v2 capacity range, in Aurora capacity units (ACUs, in half steps): botocore's
/// `ServerlessV2ScalingConfiguration` (request) and `ServerlessV2ScalingConfigurationInfo` (DBCluster).
public struct ServerlessV2Scaling: Sendable, Codable, Hashable {
    /// `MinCapacity`.
    public var minCapacity: Double?
    /// `MaxCapacity`.
    public var maxCapacity: Double?

    public init(minCapacity: Double?, maxCapacity: Double?) {
        self.minCapacity = minCapacity
        self.maxCapacity = maxCapacity
    }

    enum CodingKeys: String, CodingKey {
        case minCapacity = "min_capacity"
        case maxCapacity = "max_capacity"
    }
}

/// An Aurora DB cluster.
public struct DBCluster: Sendable, Equatable {
    public var identifier: String
    public var arn: String?
    public var status: String
    public var engine: String?
    public var engineVersion: String?
    public var endpoint: String?
    public var readerEndpoint: String?
    public var port: Int?
    public var storageEncrypted: Bool
    public var kmsKeyID: String?
    public var multiAZ: Bool?
    public var deletionProtection: Bool?
    public var dbSubnetGroupName: String?
    public var optionGroupNames: [String]
    public var vpcSecurityGroupIDs: [String]
    public var memberInstanceIdentifiers: [String]
    public var createTime: Date?
    public var tags: [String: String]

    // What a restore must reproduce (DescribeDBClusters; nil when RDS leaves the member out).

    /// `DBClusterParameterGroup`: the name of the cluster's DB cluster parameter group.
    public var dbClusterParameterGroup: String?
    /// `IAMDatabaseAuthenticationEnabled`.
    public var iamDatabaseAuthenticationEnabled: Bool?
    /// `EngineMode`: `provisioned` (Serverless v2 clusters too), `serverless` (v1), `parallelquery`, `global`,
    /// `multimaster`.
    public var engineMode: String?
    /// `ServerlessV2ScalingConfiguration`: the capacity range of a cluster with Serverless v2 instances.
    public var serverlessV2Scaling: ServerlessV2Scaling?
    /// `CopyTagsToSnapshot`.
    public var copyTagsToSnapshot: Bool?
}

extension DBSnapshot {
    init(xml: XMLValue) throws {
        self.init(
            identifier: try xml.requiredString("DBSnapshotIdentifier"),
            arn: xml.string("DBSnapshotArn"),
            instanceIdentifier: xml.string("DBInstanceIdentifier"),
            status: try xml.requiredString("Status"),
            percentProgress: try xml.int("PercentProgress"),
            createTime: try xml.date("SnapshotCreateTime"),
            originalCreateTime: try xml.date("OriginalSnapshotCreateTime"),
            snapshotType: xml.string("SnapshotType"),
            engine: xml.string("Engine"),
            engineVersion: xml.string("EngineVersion"),
            encrypted: try xml.bool("Encrypted") ?? false,
            kmsKeyID: xml.string("KmsKeyId")?.nonEmpty,
            sourceRegion: xml.string("SourceRegion")?.nonEmpty,
            sourceSnapshotIdentifier: xml.string("SourceDBSnapshotIdentifier")?.nonEmpty,
            optionGroupName: xml.string("OptionGroupName")?.nonEmpty,
            port: try xml.int("Port"),
            availabilityZone: xml.string("AvailabilityZone")?.nonEmpty,
            allocatedStorage: try xml.int("AllocatedStorage"),
            storageType: xml.string("StorageType"),
            vpcID: xml.string("VpcId")?.nonEmpty,
            tags: try xml.tags()
        )
    }
}

extension DBClusterSnapshot {
    init(xml: XMLValue) throws {
        self.init(
            identifier: try xml.requiredString("DBClusterSnapshotIdentifier"),
            arn: xml.string("DBClusterSnapshotArn"),
            clusterIdentifier: xml.string("DBClusterIdentifier"),
            status: try xml.requiredString("Status"),
            percentProgress: try xml.int("PercentProgress"),
            createTime: try xml.date("SnapshotCreateTime"),
            snapshotType: xml.string("SnapshotType"),
            engine: xml.string("Engine"),
            engineVersion: xml.string("EngineVersion"),
            storageEncrypted: try xml.bool("StorageEncrypted") ?? false,
            kmsKeyID: xml.string("KmsKeyId")?.nonEmpty,
            sourceSnapshotARN: xml.string("SourceDBClusterSnapshotArn")?.nonEmpty,
            port: try xml.int("Port"),
            availabilityZones: xml.list("AvailabilityZones", member: "AvailabilityZone").map(\.text),
            allocatedStorage: try xml.int("AllocatedStorage"),
            vpcID: xml.string("VpcId")?.nonEmpty,
            tags: try xml.tags()
        )
    }
}

extension DBInstance {
    init(xml: XMLValue) throws {
        let endpoint = xml.child("Endpoint")
        self.init(
            identifier: try xml.requiredString("DBInstanceIdentifier"),
            arn: xml.string("DBInstanceArn"),
            status: try xml.requiredString("DBInstanceStatus"),
            instanceClass: xml.string("DBInstanceClass"),
            engine: xml.string("Engine"),
            engineVersion: xml.string("EngineVersion"),
            endpointAddress: endpoint?.string("Address")?.nonEmpty,
            endpointPort: try endpoint?.int("Port"),
            clusterIdentifier: xml.string("DBClusterIdentifier")?.nonEmpty,
            storageEncrypted: try xml.bool("StorageEncrypted") ?? false,
            kmsKeyID: xml.string("KmsKeyId")?.nonEmpty,
            multiAZ: try xml.bool("MultiAZ"),
            publiclyAccessible: try xml.bool("PubliclyAccessible"),
            deletionProtection: try xml.bool("DeletionProtection"),
            availabilityZone: xml.string("AvailabilityZone")?.nonEmpty,
            dbSubnetGroupName: xml.child("DBSubnetGroup")?.string("DBSubnetGroupName")?.nonEmpty,
            optionGroupNames: xml.list("OptionGroupMemberships", member: "OptionGroupMembership").compactMap { $0.string("OptionGroupName") },
            parameterGroupNames: xml.list("DBParameterGroups", member: "DBParameterGroup").compactMap { $0.string("DBParameterGroupName") },
            vpcSecurityGroupIDs: xml.list("VpcSecurityGroups", member: "VpcSecurityGroupMembership").compactMap { $0.string("VpcSecurityGroupId") },
            createTime: try xml.date("InstanceCreateTime"),
            tags: try xml.tags(),
            allocatedStorage: try xml.int("AllocatedStorage"),
            storageType: xml.string("StorageType")?.nonEmpty,
            iops: try xml.int("Iops"),
            storageThroughput: try xml.int("StorageThroughput"),
            iamDatabaseAuthenticationEnabled: try xml.bool("IAMDatabaseAuthenticationEnabled"),
            dbInstancePort: try xml.int("DbInstancePort"),
            licenseModel: xml.string("LicenseModel")?.nonEmpty,
            autoMinorVersionUpgrade: try xml.bool("AutoMinorVersionUpgrade"),
            copyTagsToSnapshot: try xml.bool("CopyTagsToSnapshot"),
            caCertificateIdentifier: xml.string("CACertificateIdentifier")?.nonEmpty
        )
    }
}

extension DBCluster {
    init(xml: XMLValue) throws {
        self.init(
            identifier: try xml.requiredString("DBClusterIdentifier"),
            arn: xml.string("DBClusterArn"),
            status: try xml.requiredString("Status"),
            engine: xml.string("Engine"),
            engineVersion: xml.string("EngineVersion"),
            endpoint: xml.string("Endpoint")?.nonEmpty,
            readerEndpoint: xml.string("ReaderEndpoint")?.nonEmpty,
            port: try xml.int("Port"),
            storageEncrypted: try xml.bool("StorageEncrypted") ?? false,
            kmsKeyID: xml.string("KmsKeyId")?.nonEmpty,
            multiAZ: try xml.bool("MultiAZ"),
            deletionProtection: try xml.bool("DeletionProtection"),
            dbSubnetGroupName: xml.string("DBSubnetGroup")?.nonEmpty,
            optionGroupNames: xml.list("DBClusterOptionGroupMemberships", member: "DBClusterOptionGroup").compactMap { $0.string("DBClusterOptionGroupName") },
            vpcSecurityGroupIDs: xml.list("VpcSecurityGroups", member: "VpcSecurityGroupMembership").compactMap { $0.string("VpcSecurityGroupId") },
            memberInstanceIdentifiers: xml.list("DBClusterMembers", member: "DBClusterMember").compactMap { $0.string("DBInstanceIdentifier") },
            createTime: try xml.date("ClusterCreateTime"),
            tags: try xml.tags(),
            dbClusterParameterGroup: xml.string("DBClusterParameterGroup")?.nonEmpty,
            iamDatabaseAuthenticationEnabled: try xml.bool("IAMDatabaseAuthenticationEnabled"),
            engineMode: xml.string("EngineMode")?.nonEmpty,
            serverlessV2Scaling: try xml.child("ServerlessV2ScalingConfiguration").map(ServerlessV2Scaling.init(xml:)),
            copyTagsToSnapshot: try xml.bool("CopyTagsToSnapshot")
        )
    }
}

extension ServerlessV2Scaling {
    init(xml: XMLValue) throws {
        self.init(minCapacity: try xml.double("MinCapacity"), maxCapacity: try xml.double("MaxCapacity"))
    }
}
