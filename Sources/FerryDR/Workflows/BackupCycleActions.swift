import FerryAWS
import FerryEngine
import Foundation
import Logging

/// The steps of the backup cycle (`BackupCycle`): snapshot → await_snapshot → copy → await_copy → cleanup,
/// and its compensation steps discard_snapshot and discard_copy.
///
/// Every step is idempotent across a crash before its checkpoint: names come from the run's input, so a
/// step performed again finds what it already created (`…AlreadyExists` → described → checked to carry
/// this run's `ferry:run-id` tag → success), and every deletion goes through the effects ledger
/// (`SnapshotDeletion`), so it is recorded exactly once.
struct BackupCycleActions: Sendable {
    let aws: AWSContext

    private func snapshots(_ input: BackupCycleInput, region: String, _ context: StepContext) throws -> RDSSnapshots {
        RDSSnapshots(rds: try context.aws(aws).rds(region: region), kind: input.kind)
    }

    private func tags(_ input: BackupCycleInput, _ context: StepContext) throws -> [String: String] {
        FerryTags.snapshotTags(runID: context.runID.lowercasedString, database: input.database,
                               sourceRegion: try AWSRegion(validating: input.primaryRegion),
                               scheduledFor: input.scheduledFor, userTags: input.snapshotTags)
    }

    /// CreateDBSnapshot (or CreateDBClusterSnapshot) in the primary region, tagged as this run's.
    func snapshot(_ context: StepContext, _ input: BackupCycleInput) throws -> StepOutcome<BackupCycle.SnapshotStarted> {
        let primary = try snapshots(input, region: input.primaryRegion, context)
        do {
            let created = try primary.create(identifier: input.snapshotID, database: input.database, tags: try tags(input, context))
            return .done(BackupCycle.SnapshotStarted(snapshotID: created.identifier, created: true))
        } catch let error as AWSError where error.code == primary.alreadyExists {
            return .done(BackupCycle.SnapshotStarted(snapshotID: try ownSnapshot(input.snapshotID, in: primary, context).identifier, created: false))
        } catch let error as AWSError where error.code == primary.invalidDatabaseState {
            return .notYet("\(input.database) cannot be snapshotted in its current state: \(error.message)")
        } catch let error as AWSError where error.code == primary.databaseNotFound {
            throw StepFailure.terminal("\(input.kind.rawValue) \(input.database) does not exist in \(input.primaryRegion)")
        } catch let error as AWSError where error.code == .snapshotQuotaExceeded {
            return try refusal(error, by: primary)
        }
    }

    /// DescribeDBSnapshots until the primary snapshot is available.
    func awaitSnapshot(_ context: StepContext, _ input: BackupCycleInput) throws -> StepOutcome<BackupCycle.SourceSnapshot> {
        let primary = try snapshots(input, region: input.primaryRegion, context)
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
            return .done(BackupCycle.SourceSnapshot(snapshotARN: arn, encrypted: snapshot.encrypted, statusChecks: context.polls + 1,
                                                    createdAt: snapshot.createTime, optionGroup: snapshot.optionGroupName))
        }
    }

    /// CopyDBSnapshot into the DR region, under its KMS key, with Ferry's tags (not CopyTags, which fails on
    /// `aws:` tags). Holds a permit of the copy pool of its kind (account, DR region) from before the call
    /// until the copy is available or the run ends; without a free permit the run waits in line, parked.
    func copy(_ context: StepContext, _ input: BackupCycleInput) throws -> StepOutcome<BackupCycle.CopyStarted> {
        let source = try context.required(BackupCycle.awaitSnapshot)
        let pool = try CopyPool(sourceARN: source.snapshotARN, drRegion: input.drRegion, kind: input.kind)
        let grant = try context.session.acquirePermit(of: pool.name, permits: input.copySlots ?? CopySlots()[input.kind])
        guard grant.acquired else {
            return .notYet("waiting for a copy slot: \(grant.inUse) of \(grant.permits) \(input.kind.rawValue) snapshot copies into \(input.drRegion) are in progress")
        }
        let dr = try snapshots(input, region: input.drRegion, context)
        // RDS refuses a KMS key for an unencrypted cluster snapshot; an instance snapshot is encrypted on the way.
        let kmsKey = input.kind == .cluster && !source.encrypted ? nil : input.kmsKey
        let optionGroup = source.optionGroup.flatMap { input.optionGroupMapping[$0] }
        let output = BackupCycle.CopyStarted(copyID: input.copyID, copyPool: pool.name, encrypted: kmsKey != nil)
        var tags = try tags(input, context)
        if let settings = input.source {
            // The restore point travels with the copy, so that the catalog can be rebuilt from the DR region.
            tags.merge(try RestorePointTags.tags(source: settings, takenAt: source.createdAt ?? input.scheduledFor, otherTags: tags.count)) { $1 }
        }
        do {
            _ = try dr.copy(sourceARN: source.snapshotARN, target: input.copyID, kmsKeyID: kmsKey, tags: tags, optionGroupName: optionGroup)
            return .done(output)
        } catch let error as AWSError where error.code == dr.alreadyExists {
            _ = try ownSnapshot(input.copyID, in: dr, context)
            return .done(output)
        } catch let error as AWSError where error.code == .snapshotQuotaExceeded {
            return try refusal(error, by: dr)
        } catch let error as AWSError where error.code == .kmsKeyNotAccessible {
            throw StepFailure.terminal("the DR KMS key \(input.kmsKey) is not usable in \(input.drRegion): \(error.message)")
        }
    }

    /// `SnapshotQuotaExceeded` means either that the region's manual-snapshot quota is used up (a person must
    /// act: the step fails and alerts) or, for a copy, that too many copies are in progress into the region
    /// (other tools' copies: wait). Which one is read from the account's own numbers, never from the message.
    private func refusal<Output>(_ error: AWSError, by snapshots: RDSSnapshots) throws -> StepOutcome<Output> {
        let region = snapshots.rds.region
        let quotaName = snapshots.manualSnapshotQuota
        guard let quota = try snapshots.rds.accountQuota(quotaName) else {
            throw StepFailure.retryable("RDS refused with SnapshotQuotaExceeded and DescribeAccountAttributes in \(region) does not report \(quotaName)")
        }
        if quota.isUsedUp {
            throw StepFailure.terminal("the \(quotaName) quota of \(region) is used up (\(quota.used) of \(quota.max)): delete manual snapshots there or ask AWS to raise it")
        }
        return .notYet("RDS refused with SnapshotQuotaExceeded while \(quotaName) in \(region) is at \(quota.used) of \(quota.max): copies made by others are in progress; trying again")
    }

    /// DescribeDBSnapshots in the DR region until the copy is available.
    func awaitCopy(_ context: StepContext, _ input: BackupCycleInput) throws -> StepOutcome<BackupCycle.CopyArrived> {
        let dr = try snapshots(input, region: input.drRegion, context)
        guard let copy = try dr.describe(input.copyID) else {
            throw StepFailure.terminal("copy \(input.copyID) disappeared from \(input.drRegion) while it was being copied")
        }
        switch copy.phase {
        case .inProgress:
            return .notYet(copy.progressText)
        case .failed:
            throw StepFailure.terminal("copy \(input.copyID) ended as \(copy.status)")
        case .available:
            guard let arn = copy.arn, let created = copy.createTime else {
                throw StepFailure.terminal("copy \(input.copyID) is available but RDS reports no ARN or creation time for it")
            }
            try context.session.releasePermit(of: try context.required(BackupCycle.copy).copyPool)
            var restorePoint: RestorePoint?
            if let settings = input.source {
                let taken = try context.required(BackupCycle.awaitSnapshot).createdAt ?? input.scheduledFor
                restorePoint = RestorePoint(database: input.database, kind: input.kind, drRegion: input.drRegion, snapshotID: input.copyID,
                                            snapshotARN: arn, takenAt: taken, runID: context.runID.lowercasedString, source: settings)
            }
            // What proves the copy Ferry's later (sql/dr/007): recorded with this checkpoint, never from tags.
            let drCopy = DRCopy(database: input.database, drRegion: input.drRegion, snapshotID: input.copyID, snapshotARN: arn, createdAt: created)
            return .done(BackupCycle.CopyArrived(copyARN: arn, drCopy: drCopy, encrypted: copy.encrypted, statusChecks: context.polls + 1,
                                                 kmsKeyID: copy.kmsKeyID, restorePoint: restorePoint))
        }
    }

    /// Deletes this run's primary snapshot, then applies the retention rule to Ferry's DR snapshots of the
    /// database. Only snapshots proven Ferry's by its own records (`SnapshotOwnership`) are ever deleted;
    /// tags alone prove nothing. Deletions an earlier attempt recorded but did not confirm (it died between
    /// the call and the ledger) are completed first.
    func cleanup(_ context: StepContext, _ input: BackupCycleInput) throws -> StepOutcome<BackupCycle.CleanupDone> {
        let primary = try snapshots(input, region: input.primaryRegion, context)
        let dr = try snapshots(input, region: input.drRegion, context)
        let recorded = try context.session.effects(SnapshotDeletion.effect)
        for unfinished in recorded where unfinished.confirmedAt == nil {
            guard let deletion = SnapshotDeletion(unfinished) else { continue }
            if case .notYet(let status) = try deletion.perform(in: deletion.region == input.primaryRegion ? primary : dr, context: context) {
                return .notYet("\(deletion.identifier) is \(status); deleting it once it can be")
            }
        }
        let primaryDeletion = SnapshotDeletion(region: input.primaryRegion, identifier: input.snapshotID,
                                               reason: "the cycle's primary snapshot, once its DR copy was available")
        if !recorded.contains(where: { $0.target == primaryDeletion.ledgerEntry.target }),
           case .notYet(let status) = try primaryDeletion.perform(in: primary, context: context) {
            return .notYet("\(input.snapshotID) is \(status); deleting it once it can be")
        }
        let records = try dr.manualSnapshots(of: input.database).map(SnapshotRecord.init)
        let ownership = try DRCopyLedger(connection: context.session.connection).ownership(of: records, database: input.database)
        let plan = RetentionPlanner.plan(ownership.judge(records), database: input.database, rule: input.retention, now: Date())
        for decision in plan.delete {
            let deletion = SnapshotDeletion(region: input.drRegion, identifier: decision.snapshot.identifier,
                                            reason: "retention: \(decision.reason)")
            if case .notYet(let status) = try deletion.perform(in: dr, context: context) {
                return .notYet("\(deletion.identifier) is \(status); deleting it once it can be")
            }
        }
        for decision in plan.keep where decision.reason == RetentionPlanner.notFerrys {
            context.logger.warning("kept a snapshot that carries Ferry's tags but that no run of Ferry's made",
                                   metadata: ["region": "\(input.drRegion)", "snapshot": "\(decision.snapshot.identifier)"])
        }
        let retentionDeleted = try context.session.effects(SnapshotDeletion.effect).compactMap(SnapshotDeletion.init)
            .filter { $0.region == input.drRegion }
            .map { BackupCycle.CleanupDone.Decision(snapshotID: $0.identifier, reason: $0.reason) }
        let retentionKept = plan.keep.map { BackupCycle.CleanupDone.Decision(snapshotID: $0.snapshot.identifier, reason: $0.reason) }
        return .done(BackupCycle.CleanupDone(deletedPrimary: input.snapshotID, retentionDeleted: retentionDeleted, retentionKept: retentionKept,
                                             manualSnapshotQuota: manualSnapshotQuota(of: dr, context)))
    }

    /// The manual-snapshot quota of the DR region after retention, where Ferry's snapshots accumulate: one
    /// DescribeAccountAttributes per cycle. Recorded in the checkpoint, whose trigger alerts above 80 %
    /// (sql/dr/008_operations.sql). A failure to read it is logged, not the cycle's failure.
    private func manualSnapshotQuota(of dr: RDSSnapshots, _ context: StepContext) -> BackupCycle.CleanupDone.Quota? {
        do {
            return try dr.rds.accountQuota(dr.manualSnapshotQuota).map {
                BackupCycle.CleanupDone.Quota(region: dr.rds.region, name: $0.name.rawValue, used: $0.used, max: $0.max)
            }
        } catch {
            context.logger.warning("could not read the manual snapshot quota", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Compensation, when a cycle stops between its copy and the copy's arrival: deletes the unfinished DR
    /// copy if this run made it. A copy still in progress cannot be deleted: the step waits until it ends
    /// (deleting the primary snapshot first, as discard_snapshot does, makes it fail sooner).
    func discardCopy(_ context: StepContext, _ input: BackupCycleInput) throws -> StepOutcome<Discarded> {
        try discard(input.copyID, in: try snapshots(input, region: input.drRegion, context), context: context)
    }

    /// Compensation, when a cycle stops after it started its snapshot: deletes this run's primary snapshot.
    func discardSnapshot(_ context: StepContext, _ input: BackupCycleInput) throws -> StepOutcome<Discarded> {
        try discard(input.snapshotID, in: try snapshots(input, region: input.primaryRegion, context), context: context)
    }

    private func discard(_ identifier: String, in snapshots: RDSSnapshots, context: StepContext) throws -> StepOutcome<Discarded> {
        let why = context.compensation.map { "undo: the cycle \($0.endsAs == .cancelled ? "was cancelled" : "failed")" } ?? "undo"
        var deletion = SnapshotDeletion(region: snapshots.rds.region, identifier: identifier, reason: why)
        // An attempt that died after recording the deletion (it was this run's then) is completed, not redone.
        if let recorded = try context.session.effects(SnapshotDeletion.effect).first(where: { $0.target == deletion.ledgerEntry.target }) {
            if recorded.confirmedAt != nil { return .done(.deleted(identifier)) }
            deletion = SnapshotDeletion(recorded) ?? deletion
        } else {
            guard let snapshot = try snapshots.describe(identifier) else { return .done(.nothing) }
            guard snapshot.tags[FerryTags.runID] == context.runID.lowercasedString else {
                // Another run's or a person's: never Ferry's to delete (it is why some cycles fail).
                return .done(.kept("\(identifier) was not made by this run"))
            }
        }
        if case .notYet(let status) = try deletion.perform(in: snapshots, context: context) {
            return .notYet("\(identifier) is \(status); deleting it once it can be")
        }
        return .done(.deleted(identifier))
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

