import Foundation

/// Amazon RDS in one region (Query API, version 2014-10-31). Blocking calls; one curl handle reused for
/// keep-alive, so an `RDSClient` is used by one thread at a time (it is not `Sendable`). Make clients
/// with `AWSContext.rds(region:)`. Describe calls follow `Marker` to the last page.
public final class RDSClient {
    public var region: String { query.connection.region }
    let query: QueryProtocol
    let context: AWSContext

    init(_ connection: ServiceConnection, context: AWSContext) {
        query = QueryProtocol(connection: connection, version: "2014-10-31")
        self.context = context
    }

    // MARK: - DB snapshots

    public func createDBSnapshot(identifier: String, instanceIdentifier: String, tags: [String: String] = [:]) throws -> DBSnapshot {
        var parameters = QueryParameters()
        parameters.set("DBSnapshotIdentifier", identifier)
        parameters.set("DBInstanceIdentifier", instanceIdentifier)
        parameters.tags(tags)
        return try query.call("CreateDBSnapshot", parameters) { try DBSnapshot(xml: $0.requiredChild("DBSnapshot")) }
    }

    public func describeDBSnapshots(_ filter: DBSnapshotQuery = DBSnapshotQuery()) throws -> [DBSnapshot] {
        var parameters = QueryParameters()
        parameters.set("DBSnapshotIdentifier", filter.snapshotIdentifier)
        parameters.set("DBInstanceIdentifier", filter.instanceIdentifier)
        parameters.set("SnapshotType", filter.snapshotType)
        parameters.filters(filter.filters)
        parameters.set("MaxRecords", filter.pageSize)
        return try query.paginate("DescribeDBSnapshots", parameters) { result in
            try result.list("DBSnapshots", member: "DBSnapshot").map(DBSnapshot.init(xml:))
        }
    }

    /// The snapshot `identifier`, or nil when RDS says `DBSnapshotNotFound`.
    public func describeDBSnapshot(identifier: String) throws -> DBSnapshot? {
        do {
            return try describeDBSnapshots(DBSnapshotQuery(snapshotIdentifier: identifier)).first
        } catch let error as AWSError where error.code == .dbSnapshotNotFound {
            return nil
        }
    }

    /// Copies a snapshot into this client's region. With `sourceRegion` set, the pre-signed URL is built
    /// for the source region the way the SDKs do (honoured by AWS only in GovCloud, harmless elsewhere).
    public func copyDBSnapshot(_ request: CopyDBSnapshotRequest) throws -> DBSnapshot {
        var parameters = QueryParameters()
        parameters.set("SourceDBSnapshotIdentifier", request.source)
        parameters.set("TargetDBSnapshotIdentifier", request.targetIdentifier)
        parameters.set("KmsKeyId", request.kmsKeyID)
        parameters.tags(request.tags)
        parameters.set("CopyTags", request.copyTags)
        parameters.set("OptionGroupName", request.optionGroupName)
        try addPreSignedURL(action: "CopyDBSnapshot", sourceRegion: request.sourceRegion, to: &parameters)
        return try query.call("CopyDBSnapshot", parameters) { try DBSnapshot(xml: $0.requiredChild("DBSnapshot")) }
    }

    public func deleteDBSnapshot(identifier: String) throws -> DBSnapshot {
        var parameters = QueryParameters()
        parameters.set("DBSnapshotIdentifier", identifier)
        return try query.call("DeleteDBSnapshot", parameters) { try DBSnapshot(xml: $0.requiredChild("DBSnapshot")) }
    }

    // MARK: - DB instances

    public func describeDBInstances(identifier: String? = nil, filters: [RDSFilter] = [], pageSize: Int? = nil) throws -> [DBInstance] {
        var parameters = QueryParameters()
        parameters.set("DBInstanceIdentifier", identifier)
        parameters.filters(filters)
        parameters.set("MaxRecords", pageSize)
        return try query.paginate("DescribeDBInstances", parameters) { result in
            try result.list("DBInstances", member: "DBInstance").map(DBInstance.init(xml:))
        }
    }

    public func createDBInstance(_ request: CreateDBInstanceRequest) throws -> DBInstance {
        var parameters = QueryParameters()
        parameters.set("DBInstanceIdentifier", request.instanceIdentifier)
        parameters.set("DBInstanceClass", request.instanceClass)
        parameters.set("Engine", request.engine)
        parameters.set("DBClusterIdentifier", request.clusterIdentifier)
        parameters.set("AllocatedStorage", request.allocatedStorage)
        parameters.set("MasterUsername", request.masterUsername)
        parameters.set("MasterUserPassword", request.masterUserPassword)
        parameters.set("StorageEncrypted", request.storageEncrypted)
        parameters.set("KmsKeyId", request.kmsKeyID)
        parameters.set("DBSubnetGroupName", request.dbSubnetGroupName)
        parameters.list("VpcSecurityGroupIds", member: "VpcSecurityGroupId", request.vpcSecurityGroupIDs)
        parameters.set("OptionGroupName", request.optionGroupName)
        parameters.set("DBParameterGroupName", request.parameterGroupName)
        parameters.set("MultiAZ", request.multiAZ)
        parameters.set("PubliclyAccessible", request.publiclyAccessible)
        parameters.set("AvailabilityZone", request.availabilityZone)
        parameters.tags(request.tags)
        return try query.call("CreateDBInstance", parameters) { try DBInstance(xml: $0.requiredChild("DBInstance")) }
    }

    public func restoreDBInstanceFromDBSnapshot(_ request: RestoreDBInstanceRequest) throws -> DBInstance {
        var parameters = QueryParameters()
        parameters.set("DBInstanceIdentifier", request.instanceIdentifier)
        parameters.set("DBSnapshotIdentifier", request.snapshotIdentifier)
        parameters.set("DBInstanceClass", request.instanceClass)
        parameters.set("Port", request.port)
        parameters.set("AvailabilityZone", request.availabilityZone)
        parameters.set("DBSubnetGroupName", request.dbSubnetGroupName)
        parameters.set("MultiAZ", request.multiAZ)
        parameters.set("PubliclyAccessible", request.publiclyAccessible)
        parameters.set("OptionGroupName", request.optionGroupName)
        parameters.tags(request.tags)
        parameters.list("VpcSecurityGroupIds", member: "VpcSecurityGroupId", request.vpcSecurityGroupIDs)
        parameters.set("DBParameterGroupName", request.parameterGroupName)
        parameters.set("DeletionProtection", request.deletionProtection)
        parameters.set("StorageType", request.storageType)
        parameters.set("Iops", request.iops)
        parameters.set("StorageThroughput", request.storageThroughput)
        parameters.set("AllocatedStorage", request.allocatedStorage)
        parameters.set("EnableIAMDatabaseAuthentication", request.enableIAMDatabaseAuthentication)
        parameters.set("LicenseModel", request.licenseModel)
        parameters.set("AutoMinorVersionUpgrade", request.autoMinorVersionUpgrade)
        parameters.set("CopyTagsToSnapshot", request.copyTagsToSnapshot)
        parameters.set("CACertificateIdentifier", request.caCertificateIdentifier)
        return try query.call("RestoreDBInstanceFromDBSnapshot", parameters) { try DBInstance(xml: $0.requiredChild("DBInstance")) }
    }

    public func deleteDBInstance(identifier: String, skipFinalSnapshot: Bool = true, finalSnapshotIdentifier: String? = nil,
                                 deleteAutomatedBackups: Bool? = nil) throws -> DBInstance {
        var parameters = QueryParameters()
        parameters.set("DBInstanceIdentifier", identifier)
        parameters.set("SkipFinalSnapshot", skipFinalSnapshot)
        parameters.set("FinalDBSnapshotIdentifier", finalSnapshotIdentifier)
        parameters.set("DeleteAutomatedBackups", deleteAutomatedBackups)
        return try query.call("DeleteDBInstance", parameters) { try DBInstance(xml: $0.requiredChild("DBInstance")) }
    }

    // MARK: - Cross-region pre-signed URL

    /// As botocore's `inject_presigned_url_rds`: the same call, plus `DestinationRegion`, as a GET signed
    /// for the source region's endpoint, valid for an hour.
    func addPreSignedURL(action: String, sourceRegion: String?, to parameters: inout QueryParameters) throws {
        guard let sourceRegion, sourceRegion != region else { return }
        let endpoint = try context.endpoints.endpoint(service: "rds", region: sourceRegion)
        guard let url = URL(string: endpoint), let scheme = url.scheme, let host = url.host else {
            throw AWSError.configuration("endpoint is not a URL: \(endpoint)")
        }
        let hostHeader = url.port.map { "\(host):\($0)" } ?? host
        let request = SignableRequest(
            method: "GET", host: hostHeader, path: url.path.isEmpty ? "/" : url.path,
            query: [("Action", action), ("Version", query.version)] + parameters.pairs + [("DestinationRegion", region)])
        let credentials = try context.credentials.credentials()
        let presigned = SigV4Signer(service: "rds", region: sourceRegion)
            .presignedURL(for: request, scheme: scheme, credentials: credentials, date: context.now())
        parameters.set("PreSignedUrl", presigned)
    }
}

@available(*, unavailable, message: "a client owns a curl handle: use one per thread")
extension RDSClient: Sendable {}
