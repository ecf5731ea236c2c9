import FerryAWS
import FerryEngine
import Foundation

/// The steps of `workflows/restore.yaml` and `workflows/drill.yaml`: choose the DR snapshot, restore it in
/// the DR region, wait until the database is available, (for a drill) delete it again, and notify.
struct RestoreActions {
    let aws: AWSContext

    func register(into registry: inout ActionRegistry) {
        registry.register("dr.choose_snapshot", action(chooseSnapshot))
        registry.register("dr.restore", action(restore))
        registry.register("dr.await_restore", action(awaitRestore))
        registry.register("dr.delete_restore", action(deleteRestore))
        registry.register("dr.await_deleted", action(awaitDeleted))
        registry.register("dr.notify_restore", action(notify))
        registry.register("dr.discard_restore", action(discardRestore))
    }

    private func action(_ body: @escaping @Sendable (StepContext, RestoreInput) throws -> StepResult) -> ClosureStepAction {
        ClosureStepAction { context in try body(context, try RestoreInput(json: context.input)) }
    }

    /// The named snapshot, or the newest available DR snapshot Ferry made of the database.
    func chooseSnapshot(_ context: StepContext, _ input: RestoreInput) throws -> StepResult {
        let dr = RDSSnapshots(rds: try aws.rds(region: input.drRegion), kind: input.kind)
        let chosen: SnapshotState
        if let named = input.snapshotID {
            guard let snapshot = try dr.describe(named) else {
                throw StepFailure.terminal("there is no snapshot \(named) in \(input.drRegion)")
            }
            guard snapshot.phase == .available else {
                throw StepFailure.terminal("snapshot \(named) is \(snapshot.status), not available")
            }
            chosen = snapshot
        } else {
            let candidates = try dr.manualSnapshots(of: input.database).filter {
                $0.phase == .available && FerryTags.isManagedSnapshot(of: input.database, tags: $0.tags)
            }
            guard let newest = candidates.max(by: { ($0.createTime ?? .distantPast) < ($1.createTime ?? .distantPast) }) else {
                throw StepFailure.terminal("Ferry has no available DR snapshot of \(input.database) in \(input.drRegion)")
            }
            chosen = newest
        }
        var output: [String: JSONValue] = ["snapshot_id": .string(chosen.identifier)]
        if let created = chosen.createTime { output["snapshot_created_at"] = .string(ISO8601DateFormatter().string(from: created)) }
        return .done(.object(output))
    }

    /// RestoreDBInstanceFromDBSnapshot (or RestoreDBClusterFromSnapshot and the cluster's instance), tagged
    /// as this run's; performed again after a crash it finds what it created.
    func restore(_ context: StepContext, _ input: RestoreInput) throws -> StepResult {
        let rds = try aws.rds(region: input.drRegion)
        let snapshotID = try InputReader(context.outputs["choose_snapshot"] ?? [:]).string("snapshot_id")
        let tags = [FerryTags.managed: FerryTags.managedValue, FerryTags.runID: context.runID.lowercasedString,
                    FerryTags.sourceDatabase: input.database.lowercased()]
        let settings = input.settings
        let deletionProtection = input.isDrill ? false : settings.deletionProtection
        switch input.kind {
        case .instance:
            do {
                _ = try rds.restoreDBInstanceFromDBSnapshot(RestoreDBInstanceRequest(
                    instanceIdentifier: input.targetID, snapshotIdentifier: snapshotID, instanceClass: settings.instanceClass,
                    dbSubnetGroupName: settings.subnetGroup, vpcSecurityGroupIDs: settings.securityGroups,
                    multiAZ: settings.multiAZ, publiclyAccessible: input.isDrill ? false : settings.publiclyAccessible,
                    parameterGroupName: settings.parameterGroup, optionGroupName: settings.optionGroup,
                    deletionProtection: deletionProtection, tags: tags))
            } catch let error as AWSError where error.code == .dbInstanceAlreadyExists {
                try checkOwned(try instance(input.targetID, rds)?.tags, input.targetID, context)
            }
        case .cluster:
            guard let snapshot = try rds.describeDBClusterSnapshot(identifier: snapshotID), let engine = snapshot.engine else {
                throw StepFailure.terminal("cluster snapshot \(snapshotID) is gone or names no engine")
            }
            do {
                _ = try rds.restoreDBClusterFromSnapshot(
                    clusterIdentifier: input.targetID, snapshotIdentifier: snapshotID, engine: engine,
                    dbSubnetGroupName: settings.subnetGroup, vpcSecurityGroupIDs: settings.securityGroups,
                    optionGroupName: settings.optionGroup, deletionProtection: deletionProtection, tags: tags)
            } catch let error as AWSError where error.code == .dbClusterAlreadyExists {
                try checkOwned(try cluster(input.targetID, rds)?.tags, input.targetID, context)
            }
            do {
                _ = try rds.createDBInstance(CreateDBInstanceRequest(
                    instanceIdentifier: clusterInstanceID(input), instanceClass: settings.instanceClass ?? "db.r6g.large",
                    engine: engine, clusterIdentifier: input.targetID, dbSubnetGroupName: settings.subnetGroup,
                    parameterGroupName: nil, publiclyAccessible: input.isDrill ? false : settings.publiclyAccessible, tags: tags))
            } catch let error as AWSError where error.code == .dbInstanceAlreadyExists {
                try checkOwned(try instance(clusterInstanceID(input), rds)?.tags, clusterInstanceID(input), context)
            }
        }
        return .done(["target_id": .string(input.targetID), "requested_at": .string(ISO8601DateFormatter().string(from: Date()))])
    }

    /// DescribeDBInstances (and DescribeDBClusters) until the restored database is available; records the
    /// measured restore time.
    func awaitRestore(_ context: StepContext, _ input: RestoreInput) throws -> StepResult {
        let rds = try aws.rds(region: input.drRegion)
        let instanceID = input.kind == .instance ? input.targetID : clusterInstanceID(input)
        guard let restored = try instance(instanceID, rds) else {
            throw StepFailure.terminal("the restored instance \(instanceID) disappeared")
        }
        switch restored.status {
        case "available":
            break
        case "failed", "incompatible-restore", "incompatible-parameters", "incompatible-network", "storage-full", "deleting":
            throw StepFailure.terminal("the restored instance \(instanceID) is \(restored.status)")
        default:
            return .notYet("\(instanceID) is \(restored.status)")
        }
        var endpoint = restored.endpointAddress.map { "\($0):\(restored.endpointPort ?? 0)" }
        if input.kind == .cluster {
            guard let cluster = try cluster(input.targetID, rds) else {
                throw StepFailure.terminal("the restored cluster \(input.targetID) disappeared")
            }
            guard cluster.status == "available" else { return .notYet("cluster \(input.targetID) is \(cluster.status)") }
            endpoint = cluster.endpoint.map { "\($0):\(cluster.port ?? 0)" } ?? endpoint
        }
        let requested = context.outputs["restore"]?["requested_at"]?.stringValue.flatMap { ISO8601DateFormatter().date(from: $0) }
        var output: [String: JSONValue] = ["target_id": .string(input.targetID), "status_checks": .number(Double(context.polls + 1))]
        if let endpoint { output["endpoint"] = .string(endpoint) }
        if let requested { output["restore_seconds"] = .number(Date().timeIntervalSince(requested).rounded()) }
        return .done(.object(output))
    }

    /// A drill's clean-up: deletes the instance (and cluster) it restored, never anything without its tag.
    func deleteRestore(_ context: StepContext, _ input: RestoreInput) throws -> StepResult {
        guard input.isDrill else { throw StepFailure.terminal("only a drill deletes what it restored") }
        let rds = try aws.rds(region: input.drRegion)
        let instanceID = input.kind == .instance ? input.targetID : clusterInstanceID(input)
        if let restored = try instance(instanceID, rds) {
            try checkOwned(restored.tags, instanceID, context)
            if restored.status != "deleting" {
                do {
                    _ = try rds.deleteDBInstance(identifier: instanceID, skipFinalSnapshot: true)
                } catch let error as AWSError where error.code == .dbInstanceNotFound {}
            }
        }
        if input.kind == .cluster, let cluster = try cluster(input.targetID, rds) {
            try checkOwned(cluster.tags, input.targetID, context)
            do {
                _ = try rds.deleteDBCluster(identifier: input.targetID, skipFinalSnapshot: true)
            } catch let error as AWSError where error.code == .dbClusterNotFound {}
        }
        return .done(["deleted": .string(input.targetID)])
    }

    func awaitDeleted(_ context: StepContext, _ input: RestoreInput) throws -> StepResult {
        let rds = try aws.rds(region: input.drRegion)
        let instanceID = input.kind == .instance ? input.targetID : clusterInstanceID(input)
        if let remaining = try instance(instanceID, rds) { return .notYet("\(instanceID) is \(remaining.status)") }
        if input.kind == .cluster, let remaining = try cluster(input.targetID, rds) {
            return .notYet("cluster \(input.targetID) is \(remaining.status)")
        }
        return .done([:])
    }

    /// Compensation of a drill that stopped after its restore started: deletes the instance (and cluster) it
    /// restored, if they carry this run's tag, and waits until they are gone. One still being created
    /// cannot be deleted yet: the step asks again later.
    func discardRestore(_ context: StepContext, _ input: RestoreInput) throws -> StepResult {
        guard input.isDrill else { throw StepFailure.terminal("only a drill deletes what it restored") }
        let rds = try aws.rds(region: input.drRegion)
        let instanceID = input.kind == .instance ? input.targetID : clusterInstanceID(input)
        let ours = context.runID.lowercasedString
        if let restored = try instance(instanceID, rds) {
            guard restored.tags[FerryTags.runID] == ours else { return .done(["kept": .string("\(instanceID) was not made by this run")]) }
            if restored.status != "deleting" {
                do {
                    _ = try rds.deleteDBInstance(identifier: instanceID, skipFinalSnapshot: true)
                } catch let error as AWSError where error.code == .dbInstanceNotFound {
                } catch let error as AWSError where error.code == .invalidDBInstanceState {
                    return .notYet("\(instanceID) is \(restored.status); deleting it once it can be")
                }
            }
            return .notYet("\(instanceID) is being deleted")
        }
        if input.kind == .cluster, let cluster = try cluster(input.targetID, rds) {
            guard cluster.tags[FerryTags.runID] == ours else { return .done(["kept": .string("\(input.targetID) was not made by this run")]) }
            if cluster.status != "deleting" {
                do {
                    _ = try rds.deleteDBCluster(identifier: input.targetID, skipFinalSnapshot: true)
                } catch let error as AWSError where error.code == .dbClusterNotFound {
                } catch let error as AWSError where error.code == .invalidDBClusterState {
                    return .notYet("cluster \(input.targetID) is \(cluster.status); deleting it once it can be")
                }
            }
            return .notYet("cluster \(input.targetID) is being deleted")
        }
        return .done(["discarded": .string(input.targetID)])
    }

    /// SNS Publish: the restore (or drill) is done, with where to connect and how long it took.
    func notify(_ context: StepContext, _ input: RestoreInput) throws -> StepResult {
        let restored = context.outputs["await_restore"] ?? [:]
        let snapshot = context.outputs["choose_snapshot"]?["snapshot_id"]?.stringValue ?? "?"
        let seconds = restored["restore_seconds"]?.doubleValue.map { DurationText.format($0) } ?? "unknown"
        let message = input.isDrill
            ? "Ferry drill for \(input.database) succeeded: snapshot \(snapshot) restored in \(input.drRegion) as \(input.targetID) in \(seconds) (RTO), verified available, and deleted. Run \(context.runID.lowercasedString) (ferry runs show \(context.runID.lowercasedString))."
            : "Ferry restored \(input.database) in \(input.drRegion) from snapshot \(snapshot) as \(input.targetID) in \(seconds); endpoint \(restored["endpoint"]?.stringValue ?? "unknown"). Run \(context.runID.lowercasedString) (ferry runs show \(context.runID.lowercasedString))."
        let subject = input.isDrill ? "Ferry drill succeeded: \(input.database)" : "Ferry restore complete: \(input.database)"
        let topicRegion = (try? ARN(validating: input.alertTopic))?.region ?? input.drRegion
        let messageID = try aws.sns(region: topicRegion).publish(topicARN: input.alertTopic, message: message, subject: subject)
        return .done(["message_id": .string(messageID), "rto_seconds": restored["restore_seconds"] ?? .null])
    }

    private func clusterInstanceID(_ input: RestoreInput) -> String {
        String(input.targetID.prefix(61)) + "-1"
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
