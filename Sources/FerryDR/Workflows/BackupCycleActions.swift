import FerryAWS
import FerryEngine
import Foundation

/// The steps of `workflows/backup-cycle.yaml`: snapshot → await_snapshot → copy → await_copy → cleanup.
///
/// Every step is idempotent across a crash before its checkpoint: names come from the run's input, so a
/// step performed again finds what it already created (`…AlreadyExists` → described → checked to carry
/// this run's `ferry:run-id` tag → success).
struct BackupCycleActions {
    let aws: AWSContext

    func register(into registry: inout ActionRegistry) {
        registry.register("dr.snapshot", action(snapshot))
        registry.register("dr.await_snapshot", action(awaitSnapshot))
        registry.register("dr.copy", action(copy))
        registry.register("dr.await_copy", action(awaitCopy))
        registry.register("dr.cleanup", action(cleanup))
    }

    private func action(_ body: @escaping @Sendable (StepContext, BackupCycleInput) throws -> StepResult) -> ClosureStepAction {
        ClosureStepAction { context in try body(context, try BackupCycleInput(json: context.input)) }
    }

    private func snapshots(_ input: BackupCycleInput, region: String) throws -> RDSSnapshots {
        RDSSnapshots(rds: try aws.rds(region: region), kind: input.kind)
    }

    private func tags(_ input: BackupCycleInput, _ context: StepContext) throws -> [String: String] {
        FerryTags.snapshotTags(runID: context.runID.lowercasedString, database: input.database,
                               sourceRegion: try AWSRegion(validating: input.primaryRegion),
                               scheduledFor: input.scheduledFor, userTags: input.snapshotTags)
    }

    /// CreateDBSnapshot (or CreateDBClusterSnapshot) in the primary region, tagged as this run's.
    func snapshot(_ context: StepContext, _ input: BackupCycleInput) throws -> StepResult {
        let primary = try snapshots(input, region: input.primaryRegion)
        do {
            let created = try primary.create(identifier: input.snapshotID, database: input.database, tags: try tags(input, context))
            return .done(["snapshot_id": .string(created.identifier), "created": true])
        } catch let error as AWSError where error.code == primary.alreadyExists {
            return .done(["snapshot_id": .string(try ownSnapshot(input.snapshotID, in: primary, context).identifier), "created": false])
        } catch let error as AWSError where error.code == primary.invalidDatabaseState {
            return .notYet("\(input.database) cannot be snapshotted in its current state: \(error.message)")
        } catch let error as AWSError where error.code == primary.databaseNotFound {
            throw StepFailure.terminal("\(input.kind.rawValue) \(input.database) does not exist in \(input.primaryRegion)")
        } catch let error as AWSError where error.code == .snapshotQuotaExceeded {
            throw StepFailure.terminal("the manual snapshot quota of \(input.primaryRegion) is used up: delete snapshots or raise the quota (\(error.message))")
        }
    }

    /// DescribeDBSnapshots until the primary snapshot is available.
    func awaitSnapshot(_ context: StepContext, _ input: BackupCycleInput) throws -> StepResult {
        let primary = try snapshots(input, region: input.primaryRegion)
        guard let snapshot = try primary.describe(input.snapshotID) else {
            throw StepFailure.terminal("snapshot \(input.snapshotID) disappeared from \(input.primaryRegion) while it was being created")
        }
        switch snapshot.phase {
        case .inProgress:
            return .notYet(snapshot.progressText)
        case .failed:
            throw StepFailure.terminal("snapshot \(input.snapshotID) ended as \(snapshot.status)")
        case .available:
            guard let arn = snapshot.arn else { throw StepFailure.terminal("snapshot \(input.snapshotID) has no ARN") }
            var output: [String: JSONValue] = [
                "snapshot_arn": .string(arn), "encrypted": .bool(snapshot.encrypted), "status_checks": .number(Double(context.polls + 1)),
            ]
            if let created = snapshot.createTime { output["snapshot_created_at"] = .string(ISO8601DateFormatter().string(from: created)) }
            if let group = snapshot.optionGroupName { output["option_group"] = .string(group) }
            return .done(.object(output))
        }
    }

    /// CopyDBSnapshot into the DR region, under its KMS key, with Ferry's tags (not CopyTags, which fails on
    /// `aws:` tags). Waits while the region has as many copies in flight as allowed.
    func copy(_ context: StepContext, _ input: BackupCycleInput) throws -> StepResult {
        let dr = try snapshots(input, region: input.drRegion)
        if let existing = try dr.describe(input.copyID) {
            try checkOwned(existing, context)
            return .done(["copy_id": .string(existing.identifier)])
        }
        let inFlight = try dr.copiesInProgress()
        if inFlight >= input.copyConcurrency {
            return .notYet("\(inFlight) snapshot copies are in progress into \(input.drRegion) (limit \(input.copyConcurrency))")
        }
        let sourceARN = try InputReader(context.outputs["await_snapshot"] ?? [:]).string("snapshot_arn")
        let sourceOptionGroup = context.outputs["await_snapshot"]?["option_group"]?.stringValue
        let optionGroup = sourceOptionGroup.flatMap { input.optionGroupMapping[$0] }
        do {
            let copy = try dr.copy(sourceARN: sourceARN, target: input.copyID, kmsKeyID: input.kmsKey,
                                   tags: try tags(input, context), optionGroupName: optionGroup)
            return .done(["copy_id": .string(copy.identifier)])
        } catch let error as AWSError where error.code == dr.alreadyExists {
            return .done(["copy_id": .string(try ownSnapshot(input.copyID, in: dr, context).identifier)])
        } catch let error as AWSError where error.code == .snapshotQuotaExceeded && error.snapshotQuotaReason == .concurrentCopies {
            return .notYet("AWS refused the copy: too many copies in progress into \(input.drRegion)")
        } catch let error as AWSError where error.code == .snapshotQuotaExceeded {
            throw StepFailure.terminal("the manual snapshot quota of \(input.drRegion) is used up: delete snapshots or raise the quota (\(error.message))")
        } catch let error as AWSError where error.code == .kmsKeyNotAccessible {
            throw StepFailure.terminal("the DR KMS key \(input.kmsKey) is not usable in \(input.drRegion): \(error.message)")
        }
    }

    /// DescribeDBSnapshots in the DR region until the copy is available.
    func awaitCopy(_ context: StepContext, _ input: BackupCycleInput) throws -> StepResult {
        let dr = try snapshots(input, region: input.drRegion)
        guard let copy = try dr.describe(input.copyID) else {
            throw StepFailure.terminal("copy \(input.copyID) disappeared from \(input.drRegion) while it was being copied")
        }
        switch copy.phase {
        case .inProgress:
            return .notYet(copy.progressText)
        case .failed:
            throw StepFailure.terminal("copy \(input.copyID) ended as \(copy.status)")
        case .available:
            var output: [String: JSONValue] = [
                "copy_arn": .string(copy.arn ?? ""), "encrypted": .bool(copy.encrypted), "status_checks": .number(Double(context.polls + 1)),
            ]
            if let key = copy.kmsKeyID { output["kms_key_id"] = .string(key) }
            return .done(.object(output))
        }
    }

    /// Deletes this run's primary snapshot, then applies the retention rule to Ferry's DR snapshots of the
    /// database. Only snapshots tagged as Ferry's own are ever deleted.
    func cleanup(_ context: StepContext, _ input: BackupCycleInput) throws -> StepResult {
        let primary = try snapshots(input, region: input.primaryRegion)
        var deletedPrimary: JSONValue = .null
        if let snapshot = try primary.describe(input.snapshotID) {
            try checkOwned(snapshot, context)
            if snapshot.status != "deleting" {
                do {
                    try primary.delete(input.snapshotID)
                } catch let error as AWSError where error.code == primary.notFound {}
            }
            deletedPrimary = .string(input.snapshotID)
        }
        let dr = try snapshots(input, region: input.drRegion)
        let records = try dr.manualSnapshots(of: input.database).map {
            SnapshotRecord(identifier: $0.identifier, status: $0.status, createdAt: $0.createTime, tags: $0.tags)
        }
        let plan = RetentionPlanner.plan(snapshots: records, database: input.database, rule: input.retention, now: Date())
        var deleted: [JSONValue] = []
        for decision in plan.delete {
            do {
                try dr.delete(decision.snapshot.identifier)
            } catch let error as AWSError where error.code == dr.notFound {}
            context.logger.info("retention deleted a DR snapshot", metadata: [
                "snapshot": "\(decision.snapshot.identifier)", "reason": "\(decision.reason)",
            ])
            deleted.append(["snapshot_id": .string(decision.snapshot.identifier), "reason": .string(decision.reason)])
        }
        return .done(["deleted_primary": deletedPrimary, "retention_deleted": .array(deleted), "retention_kept": .number(Double(plan.keep.count))])
    }

    /// The snapshot named `identifier`, which must carry this run's tag: Ferry never adopts another's.
    private func ownSnapshot(_ identifier: String, in snapshots: RDSSnapshots, _ context: StepContext) throws -> SnapshotState {
        guard let snapshot = try snapshots.describe(identifier) else {
            throw StepFailure.retryable("\(identifier) was reported to exist but cannot be described yet")
        }
        try checkOwned(snapshot, context)
        return snapshot
    }

    private func checkOwned(_ snapshot: SnapshotState, _ context: StepContext) throws {
        try requireMadeByThisRun(tags: snapshot.tags, "a snapshot named \(snapshot.identifier)", context)
    }
}

