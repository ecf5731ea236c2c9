/// Aurora: cluster snapshots, clusters, restore.
extension RDSClient {
    public func createDBClusterSnapshot(identifier: String, clusterIdentifier: String, tags: [String: String] = [:]) throws -> DBClusterSnapshot {
        var parameters = QueryParameters()
        parameters.set("DBClusterSnapshotIdentifier", identifier)
        parameters.set("DBClusterIdentifier", clusterIdentifier)
        parameters.tags(tags)
        return try query.call("CreateDBClusterSnapshot", parameters) { try DBClusterSnapshot(xml: $0.requiredChild("DBClusterSnapshot")) }
    }

    public func describeDBClusterSnapshots(snapshotIdentifier: String? = nil, clusterIdentifier: String? = nil,
                                           snapshotType: String? = nil, filters: [RDSFilter] = [],
                                           pageSize: Int? = nil) throws -> [DBClusterSnapshot] {
        var parameters = QueryParameters()
        parameters.set("DBClusterIdentifier", clusterIdentifier)
        parameters.set("DBClusterSnapshotIdentifier", snapshotIdentifier)
        parameters.set("SnapshotType", snapshotType)
        parameters.filters(filters)
        parameters.set("MaxRecords", pageSize)
        return try query.paginate("DescribeDBClusterSnapshots", parameters) { result in
            try result.list("DBClusterSnapshots", member: "DBClusterSnapshot").map(DBClusterSnapshot.init(xml:))
        }
    }

    /// The cluster snapshot `identifier`, or nil when RDS says `DBClusterSnapshotNotFoundFault`.
    public func describeDBClusterSnapshot(identifier: String) throws -> DBClusterSnapshot? {
        do {
            return try describeDBClusterSnapshots(snapshotIdentifier: identifier).first
        } catch let error as AWSError where error.code == .dbClusterSnapshotNotFound {
            return nil
        }
    }

    public func copyDBClusterSnapshot(_ request: CopyDBClusterSnapshotRequest) throws -> DBClusterSnapshot {
        var parameters = QueryParameters()
        parameters.set("SourceDBClusterSnapshotIdentifier", request.source)
        parameters.set("TargetDBClusterSnapshotIdentifier", request.targetIdentifier)
        parameters.set("KmsKeyId", request.kmsKeyID)
        parameters.set("CopyTags", request.copyTags)
        parameters.tags(request.tags)
        try addPreSignedURL(action: "CopyDBClusterSnapshot", sourceRegion: request.sourceRegion, to: &parameters)
        return try query.call("CopyDBClusterSnapshot", parameters) { try DBClusterSnapshot(xml: $0.requiredChild("DBClusterSnapshot")) }
    }

    public func deleteDBClusterSnapshot(identifier: String) throws -> DBClusterSnapshot {
        var parameters = QueryParameters()
        parameters.set("DBClusterSnapshotIdentifier", identifier)
        return try query.call("DeleteDBClusterSnapshot", parameters) { try DBClusterSnapshot(xml: $0.requiredChild("DBClusterSnapshot")) }
    }

    public func describeDBClusters(identifier: String? = nil, filters: [RDSFilter] = [], pageSize: Int? = nil) throws -> [DBCluster] {
        var parameters = QueryParameters()
        parameters.set("DBClusterIdentifier", identifier)
        parameters.filters(filters)
        parameters.set("MaxRecords", pageSize)
        return try query.paginate("DescribeDBClusters", parameters) { result in
            try result.list("DBClusters", member: "DBCluster").map(DBCluster.init(xml:))
        }
    }

    /// CreateDBCluster, for sample databases in tests and the demo.
    public func createDBCluster(identifier: String, engine: String, masterUsername: String? = nil, masterUserPassword: String? = nil,
                                storageEncrypted: Bool? = nil, kmsKeyID: String? = nil, tags: [String: String] = [:]) throws -> DBCluster {
        var parameters = QueryParameters()
        parameters.set("DBClusterIdentifier", identifier)
        parameters.set("Engine", engine)
        parameters.set("MasterUsername", masterUsername)
        parameters.set("MasterUserPassword", masterUserPassword)
        parameters.tags(tags)
        parameters.set("StorageEncrypted", storageEncrypted)
        parameters.set("KmsKeyId", kmsKeyID)
        return try query.call("CreateDBCluster", parameters) { try DBCluster(xml: $0.requiredChild("DBCluster")) }
    }

    /// RestoreDBClusterFromSnapshot: the cluster only; its instances are made with `createDBInstance`.
    public func restoreDBClusterFromSnapshot(_ request: RestoreDBClusterRequest) throws -> DBCluster {
        var parameters = QueryParameters()
        parameters.set("DBClusterIdentifier", request.clusterIdentifier)
        parameters.set("SnapshotIdentifier", request.snapshotIdentifier)
        parameters.set("Engine", request.engine)
        parameters.set("EngineVersion", request.engineVersion)
        parameters.set("Port", request.port)
        parameters.set("DBSubnetGroupName", request.dbSubnetGroupName)
        parameters.set("OptionGroupName", request.optionGroupName)
        parameters.list("VpcSecurityGroupIds", member: "VpcSecurityGroupId", request.vpcSecurityGroupIDs)
        parameters.tags(request.tags)
        parameters.set("KmsKeyId", request.kmsKeyID)
        parameters.set("EnableIAMDatabaseAuthentication", request.enableIAMDatabaseAuthentication)
        parameters.set("DBClusterParameterGroupName", request.parameterGroupName)
        parameters.set("DeletionProtection", request.deletionProtection)
        parameters.set("CopyTagsToSnapshot", request.copyTagsToSnapshot)
        parameters.set("ServerlessV2ScalingConfiguration", request.serverlessV2ScalingConfiguration)
        return try query.call("RestoreDBClusterFromSnapshot", parameters) { try DBCluster(xml: $0.requiredChild("DBCluster")) }
    }

    /// Deletes a DB cluster (its instances must be deleted first). Drills use it for their temporary cluster.
    public func deleteDBCluster(identifier: String, skipFinalSnapshot: Bool = true) throws -> DBCluster {
        var parameters = QueryParameters()
        parameters.set("DBClusterIdentifier", identifier)
        parameters.set("SkipFinalSnapshot", skipFinalSnapshot)
        return try query.call("DeleteDBCluster", parameters) { try DBCluster(xml: $0.requiredChild("DBCluster")) }
    }
}
