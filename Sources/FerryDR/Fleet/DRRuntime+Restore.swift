public import FerryEngine
public import Foundation
import FerryAWS

/// What a restore of one database will restore from, and how: read from the catalog of restore points and
/// the configuration, never from the primary region.
public struct RestorePlan: Sendable, Equatable {
    public var database: String
    public var kind: DatabaseKind
    /// Newest first: the restore uses the first that still exists in the DR region.
    public var candidates: [RestoreInput.Candidate]
    /// nil when the database cannot be restored as configured (`problem` says why).
    public var spec: RestoreSpec?
    public var problem: String?
}

extension DRRuntime {
    /// The restore of `database` from its newest restore point (or the named DR snapshot), with its source's
    /// settings and the configuration's DR overrides. Throws when the catalog has no restore point of it,
    /// when no `databases` entry protects it any more, or when a setting cannot be carried over.
    public func restorePlan(of database: String, snapshotID: String?, catalog: RestorePointCatalog) throws -> RestorePlan {
        let entries = try catalog.entries(database: database)
        guard let newest = entries.first?.point else {
            throw DRError(message: "the catalog has no restore point of \(database) (ferry catalog list shows what it has; ferry catalog rebuild reads them from \(config.drRegion))")
        }
        let chosen: [RestorePoint]
        if let requested = snapshotID {
            // Refuse what cannot be an RDS snapshot identifier (quotes, spaces, `--`) as such, not as "not found".
            let snapshotID: String
            do {
                snapshotID = try RDSIdentifier.validate(requested, as: newest.kind.snapshotIdentifierKind)
            } catch {
                throw DRError(message: "\"\(requested)\" is not a DR snapshot identifier: \(error)")
            }
            guard let named = entries.first(where: { $0.point.snapshotID == snapshotID })?.point else {
                throw DRError(message: "\(snapshotID) is not a restore point of \(database) in the catalog (ferry catalog list \(database))")
            }
            chosen = [named]
        } else {
            chosen = entries.map(\.point)
        }
        let known = DiscoveredDatabase(kind: newest.kind, identifier: newest.database, tags: newest.source.tags, source: newest.source)
        guard let protected = DatabaseSelection(rules: config.databases, discovered: [known]).protected.first else {
            throw DRError(message: "\(database) has restore points but no databases entry of \(config.source) protects it any more: add one (its restore settings come from it)")
        }
        let spec = try RestoreSpec(source: chosen[0].source, overrides: protected.settings.restore,
                                   optionGroupMapping: protected.settings.optionGroupMapping)
        return RestorePlan(database: newest.database, kind: newest.kind,
                           candidates: chosen.map { RestoreInput.Candidate(snapshotID: $0.snapshotID, takenAt: $0.takenAt) }, spec: spec)
    }

    /// The plan of a scheduled drill: when `database` cannot be restored (no restore point, a setting that
    /// cannot be carried over), a plan that says why, so that the drill still starts and fails as a run,
    /// which alerts: an unrecoverable database is exactly what a drill is there to find.
    public func drillPlan(of database: String, kind: DatabaseKind, catalog: RestorePointCatalog) -> RestorePlan {
        do {
            return try restorePlan(of: database, snapshotID: nil, catalog: catalog)
        } catch {
            return RestorePlan(database: database, kind: kind, candidates: [], spec: nil, problem: "\(error)")
        }
    }

    /// Starts a restore (or drill) following `plan` in the DR region. With `pool`, the restore waits for a
    /// permit of that semaphore before it restores (`ferry restore --all`).
    public func startRestore(
        _ plan: RestorePlan, targetID: String?, drill: Bool, store: RunStore, catalog: WorkflowCatalog,
        scheduleID: String? = nil, scheduledFor: Date? = nil, pool: (name: String, permits: Int)? = nil, actor: String
    ) throws -> StartOutcome {
        let workflow = drill ? RestoreWorkflow.drillName : RestoreWorkflow.restoreName
        guard let definition = catalog.definition(named: workflow) else { throw DRError(message: "no \(workflow) workflow is loaded") }
        let now = UTCMinute.truncate(scheduledFor ?? Date())
        let target = targetID ?? (drill ? RestoreInput.drillIdentifier(database: plan.database, at: now) : "\(plan.database)-dr")
        do {
            _ = try RDSIdentifier.validate(target, as: plan.kind.identifierKind)
        } catch {
            throw DRError(message: "\(target): \(error)")
        }
        let input = RestoreInput(
            database: plan.database, kind: plan.kind, drRegion: config.drRegion.name, candidates: plan.candidates, targetID: target,
            spec: plan.spec, problem: plan.problem, isDrill: drill, alertTopic: config.alertTopicARN.description,
            restorePool: pool?.name, restorePermits: pool?.permits)
        return try store.start(RunRequest(
            definition: definition, input: try JSONValue(encoding: input),
            idempotencyKey: scheduleID.map { "\($0):\(UTCMinute.compact(now))" },
            concurrencyKey: drill ? "drill:\(plan.database)" : "restore:\(target)", scheduleID: scheduleID,
            scheduledFor: scheduleID == nil ? nil : now, actor: actor))
    }
}
