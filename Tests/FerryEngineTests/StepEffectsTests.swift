import FerryPostgres
import FerryTestSupport
import Foundation
import Testing
@testable import FerryEngine

/// The effects ledger (`sql/engine/005_step_effects.sql`, `RunStore+Effects.swift`): an intent recorded under the
/// step's lease before a side effect, confirmed after it.
@Suite(.enabled(if: TestDatabase.isAvailable, "\(TestDatabase.unavailableMessage)"))
struct StepEffectsTests {
    let deleteA = StepEffect(effect: "snapshot.delete", target: "us-east-1/a", detail: ["snapshot_id": "a"])
    let deleteB = StepEffect(effect: "snapshot.delete", target: "us-east-1/b", detail: ["snapshot_id": "b"])

    /// A noop run of two steps, claimed as `w1`.
    func claimedRun(_ fixture: EngineFixture) throws -> (run: ClaimedRun, fence: LeaseFence) {
        try fixture.registerWorker("w1")
        _ = try fixture.start("noop", input: ["steps": 2])
        return try fixture.claim(as: "w1")
    }

    func rows(_ fixture: EngineFixture) throws -> [String] {
        try fixture.connection.query("""
            SELECT effect, target, step_index, step_name, worker_id, lease_epoch, detail::text AS detail, confirmed_at IS NOT NULL AS confirmed
            FROM ferry.step_effects ORDER BY id
            """).map {
            [try $0.decode("effect", as: String.self), try $0.decode("target", as: String.self), String(try $0.decode("step_index", as: Int.self)),
             try $0.decode("step_name", as: String.self), try $0.decode("worker_id", as: String.self),
             String(try $0.decode("lease_epoch", as: Int.self)), try $0.decode("detail", as: String.self),
             try $0.decode("confirmed", as: Bool.self) ? "confirmed" : "intended"].joined(separator: " ")
        }
    }

    @Test func anIntentIsRecordedOncePerRunEffectAndTarget() throws {
        let fixture = try EngineFixture()
        let (run, first) = try claimedRun(fixture)
        try fixture.store.intend(deleteA, fence: first)
        try fixture.store.intend(deleteA, fence: first)
        #expect(try rows(fixture) == [#"snapshot.delete us-east-1/a 0 tick.1 w1 1 {"snapshot_id": "a"} intended"#])
        // The next step records the same effect again (a compensation step, say): the first record stands.
        #expect(try fixture.store.checkpoint(StepCompletion(output: [:], attempts: 1, polls: 0, startedAt: run.stepStartedAt), fence: first,
                                             isLastStep: false) != nil)
        let second = LeaseFence(runID: run.id, epoch: run.leaseEpoch, stepIndex: 1, stepName: "tick.2", workerID: "w1")
        try fixture.store.intend(StepEffect(effect: "snapshot.delete", target: "us-east-1/a", detail: ["other": true]), fence: second)
        try fixture.store.intend(deleteB, fence: second)
        try fixture.store.intend(StepEffect(effect: "instance.delete", target: "us-east-1/a", detail: [:]), fence: second)
        #expect(try rows(fixture) == [
            #"snapshot.delete us-east-1/a 0 tick.1 w1 1 {"snapshot_id": "a"} intended"#,
            #"snapshot.delete us-east-1/b 1 tick.2 w1 1 {"snapshot_id": "b"} intended"#,
            "instance.delete us-east-1/a 1 tick.2 w1 1 {} intended",
        ])
        #expect(try fixture.store.effects("snapshot.delete", runID: run.id) == [deleteA, deleteB], "oldest first, of one kind")
        #expect(try fixture.store.effects("snapshot.delete", runID: UUID()) == [])
        // The database refuses a second row for the same run, effect and target, whatever writes it.
        do {
            try fixture.connection.execute("""
                INSERT INTO ferry.step_effects (run_id, step_index, step_name, effect, target, worker_id, lease_epoch)
                VALUES (\(run.id), 1, 'tick.2', 'snapshot.delete', 'us-east-1/a', 'w1', 1)
                """)
            Issue.record("a duplicate effect was accepted")
        } catch let error as PostgresError {
            #expect(error.isUniqueViolation && error.message.contains("step_effects_run_id_effect_target_key"), "\(error)")
        }
    }

    @Test func anotherRunRecordsTheSameEffectOfItsOwn() throws {
        let fixture = try EngineFixture()
        try fixture.registerWorker("w1")
        _ = try fixture.start("noop")
        _ = try fixture.start("noop")
        let one = try fixture.claim(as: "w1").fence
        let two = try fixture.claim(as: "w1").fence
        try fixture.store.intend(deleteA, fence: one)
        try fixture.store.intend(deleteA, fence: two)
        #expect(try fixture.scalar("SELECT count(DISTINCT run_id) FROM ferry.step_effects WHERE target = 'us-east-1/a'", as: Int.self) == 2)
        try fixture.store.confirm(deleteA, runID: one.runID)
        #expect(try fixture.store.effects("snapshot.delete", runID: one.runID).first?.confirmedAt != nil)
        #expect(try fixture.store.effects("snapshot.delete", runID: two.runID).first?.confirmedAt == nil, "a confirmation is the run's own")
    }

    @Test func anIntentIsFencedByTheStepsLease() throws {
        let fixture = try EngineFixture()
        try fixture.registerWorker("w2")
        let (run, stale) = try claimedRun(fixture)
        // Another step than the run's current one (a replay of a completed step) writes nothing.
        let elsewhere = LeaseFence(runID: run.id, epoch: run.leaseEpoch, stepIndex: 1, stepName: "tick.2", workerID: "w1")
        #expect(throws: LeaseLost.self) { try fixture.store.intend(deleteA, fence: elsewhere) }
        // Expired, then taken over: the old holder's intents land nowhere; the new holder's do.
        try fixture.expireLease(of: run.id)
        #expect(throws: LeaseLost.self) { try fixture.store.intend(deleteA, fence: stale) }
        let (taken, fresh) = try fixture.claim(as: "w2")
        #expect(taken.id == run.id && taken.tookOverFrom == "w1" && fresh.epoch == stale.epoch + 1)
        #expect(throws: LeaseLost.self) { try fixture.store.intend(deleteA, fence: stale) }
        #expect(throws: LeaseLost.self) { try StepSession(store: fixture.store, fence: stale).intend(deleteB) }
        #expect(try fixture.scalar("SELECT count(*) FROM ferry.step_effects", as: Int.self) == 0)
        try StepSession(store: fixture.store, fence: fresh).intend(deleteA)
        #expect(try rows(fixture) == [#"snapshot.delete us-east-1/a 0 tick.1 w2 2 {"snapshot_id": "a"} intended"#])
        let unknown = LeaseFence(runID: UUID(), epoch: 1, stepIndex: 0, stepName: "tick.1", workerID: "w1")
        #expect(throws: LeaseLost.self) { try fixture.store.intend(deleteA, fence: unknown) }
    }

    @Test func confirmingIsIdempotentAndConfirmsOnlyWhatWasIntended() throws {
        let fixture = try EngineFixture()
        let (run, fence) = try claimedRun(fixture)
        let session = StepSession(store: fixture.store, fence: fence)
        try session.confirm(deleteA)
        #expect(try fixture.scalar("SELECT count(*) FROM ferry.step_effects", as: Int.self) == 0, "a confirmation records no effect")
        try session.intend(deleteA)
        try session.intend(deleteB)
        try session.confirm(deleteA)
        let confirmed = try #require(try session.effects("snapshot.delete").first?.confirmedAt)
        let at = try fixture.scalar("SELECT confirmed_at::text FROM ferry.step_effects WHERE target = 'us-east-1/a'", as: String.self)
        try session.confirm(deleteA)
        try fixture.store.confirm(deleteA, runID: run.id)
        #expect(try session.effects("snapshot.delete").map(\.confirmedAt) == [confirmed, nil])
        #expect(try fixture.scalar("SELECT confirmed_at::text FROM ferry.step_effects WHERE target = 'us-east-1/a'", as: String.self) == at,
                "confirming again keeps the first confirmation")
        try session.intend(deleteA)
        #expect(try fixture.scalar("SELECT confirmed_at::text FROM ferry.step_effects WHERE target = 'us-east-1/a'", as: String.self) == at,
                "intending again does not undo the confirmation")
    }

    /// A worker died between its intent and its confirmation: the worker that takes the run over finds the
    /// intent unconfirmed, completes it and confirms it.
    @Test func theNextWorkerFindsAnUnconfirmedIntent() throws {
        let fixture = try EngineFixture()
        try fixture.registerWorker("w2")
        let (run, dead) = try claimedRun(fixture)
        try StepSession(store: fixture.store, fence: dead).intend(deleteA)
        try fixture.expireLease(of: run.id)
        let (_, fence) = try fixture.claim(as: "w2")
        let session = StepSession(store: fixture.store, fence: fence)
        let unfinished = try session.effects("snapshot.delete").filter { $0.confirmedAt == nil }
        #expect(unfinished == [deleteA])
        try session.confirm(deleteA)
        #expect(try rows(fixture) == [#"snapshot.delete us-east-1/a 0 tick.1 w1 1 {"snapshot_id": "a"} confirmed"#],
                "recorded by the worker that intended it, confirmed by the one that finished it")
    }

    @Test func theLedgerRefusesMalformedEffects() throws {
        let fixture = try EngineFixture()
        let (_, fence) = try claimedRun(fixture)
        let malformed: [(StepEffect, String)] = [
            (StepEffect(effect: "Delete", target: "x", detail: [:]), "step_effects_effect_check"),
            (StepEffect(effect: "snapshot", target: "x", detail: [:]), "step_effects_effect_check"),
            (StepEffect(effect: "snapshot.delete", target: "", detail: [:]), "step_effects_target_check"),
            (StepEffect(effect: "snapshot.delete", target: "x", detail: ["a", "b"]), "step_effects_detail_check"),
        ]
        for (effect, constraint) in malformed {
            do {
                try fixture.store.intend(effect, fence: fence)
                Issue.record("accepted \(effect)")
            } catch let error as PostgresError {
                #expect(error.sqlState == "23514" && error.message.contains(constraint), "\(error)")
            }
        }
        #expect(try fixture.scalar("SELECT count(*) FROM ferry.step_effects", as: Int.self) == 0)
    }
}
