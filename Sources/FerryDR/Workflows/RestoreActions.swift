import FerryAWS
import FerryEngine
import Foundation

/// The steps of the restore and the drill (`RestoreWorkflow`): choose the DR snapshot, restore it in the DR
/// region, wait until the database is available, (for a drill) delete it again, and notify.
struct RestoreActions: Sendable {
    let aws: AWSContext

    /// The newest of the run's restore points that still exists and is available in the DR region (one
    /// deleted by hand is passed over): one DescribeDBSnapshots per restore point tried.
    func chooseSnapshot(_ context: StepContext, _ input: RestoreInput) throws -> StepOutcome<RestoreWorkflow.ChosenSnapshot> {
        if let problem = input.problem { throw StepFailure.terminal(problem) }
        let dr = RDSSnapshots(rds: try context.aws(aws).rds(region: input.drRegion), kind: input.kind)
        var passedOver: [String] = []
        for candidate in input.candidates {
            guard let snapshot = try dr.describe(candidate.snapshotID), snapshot.phase == .available else {
                passedOver.append(candidate.snapshotID)
                continue
            }
            return .done(RestoreWorkflow.ChosenSnapshot(snapshotID: snapshot.identifier, takenAt: candidate.takenAt, passedOver: passedOver))
        }
        throw StepFailure.terminal("none of the \(input.candidates.count) restore points of \(input.database) exists and is available in \(input.drRegion) any more (\(input.candidates.map(\.snapshotID).joined(separator: ", ")))")
    }

    /// RestoreDBInstanceFromDBSnapshot (or RestoreDBClusterFromSnapshot and the cluster's instances) with the
    /// source's settings and the DR overrides (`RestoreSpec`), tagged as this run's; performed again after a
    /// crash it finds what it created. With a restore pool (`ferry restore --all`), it first waits for a
    /// permit of it, so that a fleet is restored so many at a time.
    func restore(_ context: StepContext, _ input: RestoreInput) throws -> StepOutcome<RestoreWorkflow.RestoreRequested> {
        if let pool = input.restorePool, let permits = input.restorePermits {
            let grant = try context.session.acquirePermit(of: pool, permits: permits)
            guard grant.acquired else { return .notYet("waiting for a restore slot: \(grant.inUse) of \(grant.permits) restores in progress") }
        }
        guard let spec = input.spec else { throw StepFailure.terminal(input.problem ?? "the run has no restore settings") }
        let rds = try context.aws(aws).rds(region: input.drRegion)
        let snapshotID = try context.required(RestoreWorkflow.chooseSnapshot).snapshotID
        let tags = spec.tags.merging([
            FerryTags.runID: context.runID.lowercasedString, FerryTags.sourceDatabase: input.database.lowercased(),
        ]) { $1 }.merging(input.isDrill ? [FerryTags.managed: FerryTags.managedValue] : [:]) { $1 }
        let deletionProtection = input.isDrill ? false : spec.deletionProtection
        let publiclyAccessible = input.isDrill ? false : spec.publiclyAccessible
        switch input.kind {
        case .instance:
            do {
                _ = try rds.restoreDBInstanceFromDBSnapshot(RestoreDBInstanceRequest(
                    instanceIdentifier: input.targetID, snapshotIdentifier: snapshotID, instanceClass: spec.instanceClass,
                    dbSubnetGroupName: spec.subnetGroup, vpcSecurityGroupIDs: spec.securityGroups,
                    multiAZ: spec.multiAZ, publiclyAccessible: publiclyAccessible,
                    parameterGroupName: spec.parameterGroup, optionGroupName: spec.optionGroup, port: spec.port,
                    deletionProtection: deletionProtection, storageType: spec.storageType, iops: spec.iops,
                    storageThroughput: spec.storageThroughput, enableIAMDatabaseAuthentication: spec.iamAuthentication, tags: tags))
            } catch let error as AWSError where error.code == .dbInstanceAlreadyExists {
                try checkOwned(try instance(input.targetID, rds)?.tags, input.targetID, context)
            }
        case .cluster:
            guard let engine = try spec.engine ?? rds.describeDBClusterSnapshot(identifier: snapshotID)?.engine else {
                throw StepFailure.terminal("cluster snapshot \(snapshotID) is gone or names no engine")
            }
            do {
                _ = try rds.restoreDBClusterFromSnapshot(RestoreDBClusterRequest(
                    clusterIdentifier: input.targetID, snapshotIdentifier: snapshotID, engine: engine, engineVersion: spec.engineVersion,
                    port: spec.port, dbSubnetGroupName: spec.subnetGroup, vpcSecurityGroupIDs: spec.securityGroups,
                    optionGroupName: spec.optionGroup, parameterGroupName: spec.parameterGroup,
                    enableIAMDatabaseAuthentication: spec.iamAuthentication, serverlessV2ScalingConfiguration: spec.serverlessV2Scaling,
                    deletionProtection: deletionProtection, tags: tags))
            } catch let error as AWSError where error.code == .dbClusterAlreadyExists {
                try checkOwned(try cluster(input.targetID, rds)?.tags, input.targetID, context)
            }
            for instanceID in input.clusterInstanceIDs {
                do {
                    _ = try rds.createDBInstance(CreateDBInstanceRequest(
                        instanceIdentifier: instanceID, instanceClass: spec.instanceClass ?? "db.r6g.large",
                        engine: engine, clusterIdentifier: input.targetID, dbSubnetGroupName: spec.subnetGroup,
                        parameterGroupName: nil, publiclyAccessible: publiclyAccessible, tags: tags))
                } catch let error as AWSError where error.code == .dbInstanceAlreadyExists {
                    try checkOwned(try instance(instanceID, rds)?.tags, instanceID, context)
                }
            }
        }
        return .done(RestoreWorkflow.RestoreRequested(targetID: input.targetID, snapshotID: snapshotID, requestedAt: Date()))
    }

    /// DescribeDBInstances (and DescribeDBClusters) until the restored database is available; records the
    /// measured restore time.
    func awaitRestore(_ context: StepContext, _ input: RestoreInput) throws -> StepOutcome<RestoreWorkflow.Restored> {
        let rds = try context.aws(aws).rds(region: input.drRegion)
        var restored: DBInstance?
        for instanceID in input.instanceIDs {
            guard let found = try instance(instanceID, rds) else {
                throw StepFailure.terminal("the restored instance \(instanceID) disappeared")
            }
            switch found.status {
            case "available":
                break
            case "failed", "incompatible-restore", "incompatible-parameters", "incompatible-network", "storage-full", "deleting":
                throw StepFailure.terminal("the restored instance \(instanceID) is \(found.status)")
            default:
                return .notYet("\(instanceID) is \(found.status)")
            }
            restored = restored ?? found
        }
        guard let restored else { throw StepFailure.terminal("the restore made no instance") }
        var endpoint = restored.endpointAddress.map { "\($0):\(restored.endpointPort ?? 0)" }
        if input.kind == .cluster {
            guard let cluster = try cluster(input.targetID, rds) else {
                throw StepFailure.terminal("the restored cluster \(input.targetID) disappeared")
            }
            guard cluster.status == "available" else { return .notYet("cluster \(input.targetID) is \(cluster.status)") }
            endpoint = cluster.endpoint.map { "\($0):\(cluster.port ?? 0)" } ?? endpoint
        }
        let requested = try context.required(RestoreWorkflow.restore).requestedAt
        return .done(RestoreWorkflow.Restored(
            targetID: input.targetID, statusChecks: context.polls + 1, endpoint: endpoint,
            restoreSeconds: Date().timeIntervalSince(requested).rounded(), dataTakenAt: try context.required(RestoreWorkflow.chooseSnapshot).takenAt))
    }

    /// A drill's clean-up: asks RDS to delete the instances (and cluster) it restored, never anything without
    /// its tag; `await_deleted` waits until they are gone.
    func deleteRestore(_ context: StepContext, _ input: RestoreInput) throws -> StepOutcome<RestoreWorkflow.DeleteRequested> {
        guard input.isDrill else { throw StepFailure.terminal("only a drill deletes what it restored") }
        _ = try removeRestored(input, context)
        return .done(RestoreWorkflow.DeleteRequested(deleted: input.targetID))
    }

    func awaitDeleted(_ context: StepContext, _ input: RestoreInput) throws -> StepOutcome<RestoreWorkflow.Deleted> {
        if let remaining = try removeRestored(input, context) { return .notYet(remaining) }
        return .done(RestoreWorkflow.Deleted())
    }

    /// Compensation of a drill that stopped after its restore started: deletes the instances (and cluster)
    /// it restored, if they carry this run's tag, and waits until they are gone.
    func discardRestore(_ context: StepContext, _ input: RestoreInput) throws -> StepOutcome<Discarded> {
        guard input.isDrill else { throw StepFailure.terminal("only a drill deletes what it restored") }
        do {
            if let remaining = try removeRestored(input, context) { return .notYet(remaining) }
        } catch let notOurs as NotMadeByThisRun {
            return .done(.kept(notOurs.identifier))
        }
        return .done(.deleted(input.targetID))
    }

    private struct NotMadeByThisRun: Error {
        var identifier: String
    }

    /// Deletes what the restore made, instances first (a cluster cannot be deleted before its instances),
    /// each only if it carries this run's tag; what RDS cannot delete in its state yet is asked again later.
    /// Returns what is still there, nil once everything is gone.
    private func removeRestored(_ input: RestoreInput, _ context: StepContext) throws -> String? {
        let rds = try context.aws(aws).rds(region: input.drRegion)
        let ours = context.runID.lowercasedString
        var remaining: [String] = []
        for instanceID in input.instanceIDs {
            guard let restored = try instance(instanceID, rds) else { continue }
            guard restored.tags[FerryTags.runID] == ours else { throw NotMadeByThisRun(identifier: instanceID) }
            remaining.append("\(instanceID) is \(restored.status)")
            guard restored.status != "deleting" else { continue }
            do {
                _ = try rds.deleteDBInstance(identifier: instanceID, skipFinalSnapshot: true)
            } catch let error as AWSError where error.code == .dbInstanceNotFound || error.code == .invalidDBInstanceState {}
        }
        guard remaining.isEmpty else { return remaining.joined(separator: ", ") }
        if input.kind == .cluster, let cluster = try cluster(input.targetID, rds) {
            guard cluster.tags[FerryTags.runID] == ours else { throw NotMadeByThisRun(identifier: input.targetID) }
            if cluster.status != "deleting" {
                do {
                    _ = try rds.deleteDBCluster(identifier: input.targetID, skipFinalSnapshot: true)
                } catch let error as AWSError where error.code == .dbClusterNotFound || error.code == .invalidDBClusterState {}
            }
            return "cluster \(input.targetID) is \(cluster.status)"
        }
        return nil
    }

    /// SNS Publish: the restore (or drill) is done, with where to connect and how long it took.
    func notify(_ context: StepContext, _ input: RestoreInput) throws -> StepOutcome<RestoreWorkflow.Notified> {
        let restored = try context.required(RestoreWorkflow.awaitRestore)
        let snapshot = try context.required(RestoreWorkflow.chooseSnapshot).snapshotID
        let seconds = restored.restoreSeconds.map { DurationText.format($0) } ?? "unknown"
        let message = input.isDrill
            ? "Ferry drill for \(input.database) succeeded: snapshot \(snapshot) restored in \(input.drRegion) as \(input.targetID) in \(seconds) (RTO), verified available, and deleted. Run \(context.runID.lowercasedString) (ferry runs show \(context.runID.lowercasedString))."
            : "Ferry restored \(input.database) in \(input.drRegion) from snapshot \(snapshot) as \(input.targetID) in \(seconds); endpoint \(restored.endpoint ?? "unknown"). Run \(context.runID.lowercasedString) (ferry runs show \(context.runID.lowercasedString))."
        let subject = input.isDrill ? "Ferry drill succeeded: \(input.database)" : "Ferry restore complete: \(input.database)"
        let topicRegion = (try? ARN(validating: input.alertTopic))?.region ?? input.drRegion
        let messageID = try context.aws(aws).sns(region: topicRegion).publish(topicARN: input.alertTopic, message: message, subject: subject)
        return .done(RestoreWorkflow.Notified(messageID: messageID, rtoSeconds: restored.restoreSeconds))
    }

    private func instance(_ identifier: String, _ rds: RDSClient) throws -> DBInstance? {
        do {
            return try rds.describeDBInstances(identifier: identifier).first
        } catch let error as AWSError where error.code == .dbInstanceNotFound {
            return nil
        }
    }

    private func cluster(_ identifier: String, _ rds: RDSClient) throws -> DBCluster? {
        do {
            return try rds.describeDBClusters(identifier: identifier).first
        } catch let error as AWSError where error.code == .dbClusterNotFound {
            return nil
        }
    }

    private func checkOwned(_ tags: [String: String]?, _ identifier: String, _ context: StepContext) throws {
        try requireMadeByThisRun(tags: tags ?? [:], identifier, context)
    }
}
