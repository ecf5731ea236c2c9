import FerryPostgres
public import Foundation

/// A side effect a step makes outside the database (an AWS delete, say), as the effects ledger records it.
/// `effect` names the kind (`snapshot.delete`), `target` the thing it acts on; together they are unique per
/// run, so a step performed again after a crash finds the effect it had recorded.
public struct StepEffect: Sendable, Equatable {
    public var effect: String
    public var target: String
    public var detail: JSONValue
    /// When AWS accepted it (or answered that it was already done); nil while only intended.
    public var confirmedAt: Date?

    public init(effect: String, target: String, detail: JSONValue, confirmedAt: Date? = nil) {
        self.effect = effect
        self.target = target
        self.detail = detail
        self.confirmedAt = confirmedAt
    }
}

extension RunStore {
    /// Records that the step is about to make `effect`, before it makes it; a second record of the same
    /// effect by the same run is a no-op. Throws `LeaseLost` if the fence no longer holds.
    public func intend(_ effect: StepEffect, fence: LeaseFence) throws {
        let rows = try connection.query("""
            WITH fenced AS (
                SELECT id FROM ferry.runs
                WHERE id = \(fence.runID) AND lease_epoch = \(fence.epoch) AND step_index = \(fence.stepIndex)
                    AND status = 'running' AND lease_expires_at > now()
            ), recorded AS (
                INSERT INTO ferry.step_effects (run_id, step_index, step_name, effect, target, detail, worker_id, lease_epoch)
                SELECT id, \(fence.stepIndex), \(fence.stepName), \(effect.effect), \(effect.target), \(effect.detail.jsonText)::jsonb,
                    \(fence.workerID), \(fence.epoch)
                FROM fenced
                ON CONFLICT (run_id, effect, target) DO NOTHING
            )
            SELECT id FROM fenced
            """)
        if rows.isEmpty { throw LeaseLost(runID: fence.runID) }
    }

    /// Records that an intended effect happened. Idempotent.
    public func confirm(_ effect: StepEffect, runID: UUID) throws {
        try connection.execute("""
            UPDATE ferry.step_effects SET confirmed_at = now()
            WHERE run_id = \(runID) AND effect = \(effect.effect) AND target = \(effect.target) AND confirmed_at IS NULL
            """)
    }

    /// The run's recorded effects of kind `effect`, oldest first.
    public func effects(_ effect: String, runID: UUID) throws -> [StepEffect] {
        try connection.query("""
            SELECT effect, target, detail::text AS detail, confirmed_at FROM ferry.step_effects
            WHERE run_id = \(runID) AND effect = \(effect) ORDER BY id
            """).map {
            StepEffect(effect: try $0.decode("effect"), target: try $0.decode("target"),
                       detail: try JSONValue(parsing: try $0.decode("detail")), confirmedAt: try $0.decode("confirmed_at"))
        }
    }
}
