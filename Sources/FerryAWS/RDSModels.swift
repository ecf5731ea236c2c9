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
            tags: try xml.tags()
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
            tags: try xml.tags()
        )
    }
}
