public import FerryAWS
import Foundation

/// The settings a restore gives the database it creates in the DR region: the source's, from its restore
/// point, with the configured DR overrides on top. Resolved before the restore starts, so that a setting
/// that cannot be carried over is reported then, not discovered by a failed API call. Stored in the
/// restore run's input; JSON field names are snake_case.
public struct RestoreSpec: Sendable, Codable, Equatable {
    public var engine: String?
    public var engineVersion: String?
    /// nil restores with the snapshot's class.
    public var instanceClass: String?
    /// Instances of a restored Aurora cluster (1 for an instance).
    public var instanceCount: Int
    public var port: Int?
    public var storageType: String?
    public var iops: Int?
    public var storageThroughput: Int?
    public var iamAuthentication: Bool?
    public var serverlessV2Scaling: ServerlessV2Scaling?
    public var multiAZ: Bool
    public var publiclyAccessible: Bool
    public var subnetGroup: String?
    public var securityGroups: [String]
    public var parameterGroup: String?
    public var optionGroup: String?
    public var deletionProtection: Bool
    /// The source database's own tags, which the restored database carries too.
    public var tags: [String: String]

    enum CodingKeys: String, CodingKey {
        case engine
        case engineVersion = "engine_version"
        case instanceClass = "instance_class"
        case instanceCount = "instance_count"
        case port
        case storageType = "storage_type"
        case iops
        case storageThroughput = "storage_throughput"
        case iamAuthentication = "iam_authentication"
        case serverlessV2Scaling = "serverless_v2_scaling"
        case multiAZ = "multi_az"
        case publiclyAccessible = "publicly_accessible"
        case subnetGroup = "subnet_group"
        case securityGroups = "security_groups"
        case parameterGroup = "parameter_group"
        case optionGroup = "option_group"
        case deletionProtection = "deletion_protection"
        case tags
    }

    /// Things worth knowing that do not stop the restore (the default security group, say).
    public private(set) var notes: [String] = []

    /// The settings for restoring `source` with `overrides` (a database's `restore` configuration) and its
    /// option group mapping. Throws every setting that cannot be carried over into the DR region.
    public init(source: SourceSettings, overrides: RestoreSettings, optionGroupMapping: [String: String]) throws(RestoreProblems) {
        var problems: [String] = []
        engine = source.engine
        engineVersion = source.engineVersion
        instanceClass = overrides.instanceClass ?? source.instanceClass
        instanceCount = max(source.instanceCount, 1)
        port = source.port
        storageType = source.storageType
        iops = source.iops
        storageThroughput = source.storageThroughput
        iamAuthentication = source.iamAuthentication
        serverlessV2Scaling = source.serverlessV2Scaling
        multiAZ = overrides.multiAZ ?? source.multiAZ ?? false
        publiclyAccessible = overrides.publiclyAccessible ?? false
        deletionProtection = overrides.deletionProtection ?? source.deletionProtection ?? false
        tags = source.tags.filter { !$0.key.hasPrefix("aws:") && !$0.key.hasPrefix(FerryTags.prefix) }

        // Groups are regional: a default group exists in every region under the same name; any other must be
        // named for the DR region in the configuration.
        subnetGroup = overrides.subnetGroup
        if subnetGroup == nil, let group = source.subnetGroup, group != "default" {
            problems.append("its subnet group \(group) exists in the primary region only: set restore.subnet_group to one in the DR region")
        }
        parameterGroup = overrides.parameterGroup
        if parameterGroup == nil, let group = source.parameterGroup, !group.hasPrefix("default.") {
            problems.append("its parameter group \(group) exists in the primary region only: set restore.parameter_group to one in the DR region")
        }
        optionGroup = overrides.optionGroup
        if optionGroup == nil, let group = source.optionGroup, !group.hasPrefix("default:") {
            if let mapped = optionGroupMapping[group] {
                optionGroup = mapped
            } else {
                problems.append("its option group \(group) exists in the primary region only: map it in option_groups or set restore.option_group")
            }
        }
        securityGroups = overrides.securityGroups ?? []
        if overrides.securityGroups == nil, !source.securityGroupIDs.isEmpty {
            notes.append("no restore.security_groups: the restored database gets the default security group of its subnet group's VPC")
        }
        guard problems.isEmpty else { throw RestoreProblems(database: source.identifier, problems: problems) }
    }
}

/// Settings of a database that a restore in the DR region cannot reproduce as configured.
public struct RestoreProblems: Error, CustomStringConvertible, Equatable {
    public var database: String
    public var problems: [String]

    public var description: String {
        "\(database) cannot be restored as configured: " + problems.joined(separator: "; ")
    }
}
