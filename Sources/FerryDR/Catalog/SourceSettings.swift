public import FerryAWS
import Foundation

/// What a restore needs to know of a protected database to reproduce it in the DR region, as discovery
/// read it in the primary region when its backup cycle started. Recorded with every restore point, in
/// PostgreSQL (`ferry.restore_points.source`) and on the DR snapshot (`RestorePointTags`), so that a
/// restore needs neither the primary region nor the source database. JSON field names are snake_case.
public struct SourceSettings: Sendable, Codable, Hashable {
    public var kind: DatabaseKind
    public var identifier: String
    public var engine: String?
    public var engineVersion: String?
    /// The instance class; for a cluster, its first instance's.
    public var instanceClass: String?
    /// 1 for an instance; a cluster's number of instances.
    public var instanceCount: Int
    public var port: Int?
    /// Storage: GiB, type (`gp3`, `io1`, …), provisioned IOPS and throughput (an instance's; Aurora's is the cluster's own).
    public var allocatedStorage: Int?
    public var storageType: String?
    public var iops: Int?
    public var storageThroughput: Int?
    public var multiAZ: Bool?
    /// The DB parameter group of an instance, the DB cluster parameter group of a cluster.
    public var parameterGroup: String?
    public var optionGroup: String?
    public var subnetGroup: String?
    /// VPC security group ids, which exist in the primary region only (informational: a restore uses the
    /// configured DR security groups).
    public var securityGroupIDs: [String]
    public var deletionProtection: Bool?
    public var iamAuthentication: Bool?
    /// An Aurora Serverless v2 cluster's capacity range.
    public var serverlessV2Scaling: ServerlessV2Scaling?
    public var encrypted: Bool
    /// The database's own tags (the DR snapshot's tags may leave them out when AWS's limit is near).
    public var tags: [String: String]

    enum CodingKeys: String, CodingKey {
        case kind, identifier, engine
        case engineVersion = "engine_version"
        case instanceClass = "instance_class"
        case instanceCount = "instance_count"
        case port
        case allocatedStorage = "allocated_storage"
        case storageType = "storage_type"
        case iops
        case storageThroughput = "storage_throughput"
        case multiAZ = "multi_az"
        case parameterGroup = "parameter_group"
        case optionGroup = "option_group"
        case subnetGroup = "subnet_group"
        case securityGroupIDs = "security_group_ids"
        case deletionProtection = "deletion_protection"
        case iamAuthentication = "iam_authentication"
        case serverlessV2Scaling = "serverless_v2_scaling"
        case encrypted, tags
    }

    public init(instance: DBInstance) {
        kind = .instance
        identifier = instance.identifier
        engine = instance.engine
        engineVersion = instance.engineVersion
        instanceClass = instance.instanceClass
        instanceCount = 1
        port = instance.port
        allocatedStorage = instance.allocatedStorage
        storageType = instance.storageType
        iops = instance.iops
        storageThroughput = instance.storageThroughput
        multiAZ = instance.multiAZ
        parameterGroup = instance.parameterGroupNames.first
        optionGroup = instance.optionGroupNames.first
        subnetGroup = instance.dbSubnetGroupName
        securityGroupIDs = instance.vpcSecurityGroupIDs
        deletionProtection = instance.deletionProtection
        iamAuthentication = instance.iamDatabaseAuthenticationEnabled
        encrypted = instance.storageEncrypted
        tags = instance.tags
    }

    /// A cluster and its instances (from the same discovery).
    public init(cluster: DBCluster, members: [DBInstance]) {
        kind = .cluster
        identifier = cluster.identifier
        engine = cluster.engine
        engineVersion = cluster.engineVersion
        instanceClass = members.first?.instanceClass
        instanceCount = max(members.count, 1)
        port = cluster.port
        multiAZ = cluster.multiAZ
        parameterGroup = cluster.dbClusterParameterGroup
        optionGroup = cluster.optionGroupNames.first
        subnetGroup = cluster.dbSubnetGroupName
        securityGroupIDs = cluster.vpcSecurityGroupIDs
        deletionProtection = cluster.deletionProtection
        iamAuthentication = cluster.iamDatabaseAuthenticationEnabled
        serverlessV2Scaling = cluster.serverlessV2Scaling
        encrypted = cluster.storageEncrypted
        tags = cluster.tags
    }
}
