import FerryPostgres
import FerryTestSupport
import Foundation
import Synchronization
import Testing
@testable import FerryEngine

/// Named semaphores (`sql/engine/003_semaphores.sql`, `RunStore+Semaphores.swift`): a run holds a permit across
/// steps and parks until it gives it back or finishes; a run refused one waits in line and is woken, due
/// now, in arrival order.
@Suite(.enabled(if: TestDatabase.isAvailable, "\(TestDatabase.unavailableMessage)"))
struct SemaphoreTests {
    /// Starts `count` noop runs of `steps` steps and claims each as `w1`; their fences, in start order.
    func runningRuns(_ fixture: EngineFixture, count: Int, steps: Int = 2) throws -> [LeaseFence] {
        try fixture.registerWorker("w1")
        let runs = try (0..<count).map { _ in try fixture.start("noop", input: ["steps": .number(Double(steps))]) }
        let claimed = try Dictionary(uniqueKeysWithValues: runs.map { _ in
            let fence = try fixture.claim(as: "w1").fence
            return (fence.runID, fence)
        })
        return runs.map { claimed[$0]! }
    }

    func session(_ fixture: EngineFixture, _ fence: LeaseFence) -> StepSession {
        StepSession(store: fixture.store, fence: fence)
    }

    func holders(_ fixture: EngineFixture, of semaphore: String) throws -> [UUID] {
        try fixture.connection.query("""
            SELECT run_id FROM ferry.semaphore_holders WHERE semaphore = \(semaphore) ORDER BY acquired_at, run_id
            """).map { try $0.decode("run_id") }
    }

    func waiters(_ fixture: EngineFixture, of semaphore: String) throws -> [UUID] {
        try fixture.connection.query("SELECT run_id FROM ferry.semaphore_waiters WHERE semaphore = \(semaphore) ORDER BY since")
            .map { try $0.decode("run_id") }
    }

    /// Whether a waiting run is due now (woken), as opposed to parked for its poll interval.
    func isDueNow(_ fixture: EngineFixture, _ run: UUID) throws -> Bool {
        try fixture.scalar("SELECT status = 'waiting' AND next_wake_at <= now() FROM ferry.runs WHERE id = \(run)", as: Bool.self) == true
    }

    /// Parks the run as a step refused a permit does, for its poll interval, an hour: only a wake-up (or a
    /// permit free for it when it parks) makes it due within a test. False if the lease was lost.
    func parkRefused(_ store: RunStore, _ fence: LeaseFence) throws -> Bool {
        try store.park(fence: fence, delay: 3600, failedAttempts: 0, polls: 1, error: nil, kind: "step.waiting", reason: "waiting for a permit")
    }

    /// Parks the run as a refused step does and checks it is not due for an hour.
    func parkForAnHour(_ fixture: EngineFixture, _ fence: LeaseFence) throws {
        #expect(try parkRefused(fixture.store, fence))
        #expect(try fixture.scalar("""
            SELECT next_wake_at > now() + interval '59 minutes' FROM ferry.runs WHERE id = \(fence.runID)
            """, as: Bool.self) == true)
    }

    /// A run holds the one permit of `pool`, two more ask for it in turn and are parked for an hour, and the
    /// holder gives it back: returns the two in line, first first.
    func twoInLineWhenTheHolderReleases(_ fixture: EngineFixture) throws -> (first: LeaseFence, second: LeaseFence) {
        let runs = try runningRuns(fixture, count: 3)
        let (holder, first, second) = (runs[0], runs[1], runs[2])
        #expect(try fixture.store.acquirePermit(of: "pool", permits: 1, fence: holder).acquired)
        for fence in [first, second] {
            #expect(try fixture.store.acquirePermit(of: "pool", permits: 1, fence: fence).acquired == false)
            try parkForAnHour(fixture, fence)
        }
        try session(fixture, holder).releasePermit(of: "pool")
        return (first, second)
    }

    /// The semaphore as `semaphores()` reports it.
    func use(_ fixture: EngineFixture, _ name: String) throws -> SemaphoreUse? {
        try fixture.store.semaphores().first { $0.name == name }
    }

    // MARK: Permits and the line

    @Test func permitsAreNeverExceededAndRefusedRunsQueueInArrivalOrder() throws {
        let fixture = try EngineFixture()
        let runs = try runningRuns(fixture, count: 6)
        let grants = try runs.map { try fixture.store.acquirePermit(of: "pool", permits: 2, fence: $0) }
        #expect(grants == [
            PermitGrant(acquired: true, inUse: 1, permits: 2), PermitGrant(acquired: true, inUse: 2, permits: 2),
            PermitGrant(acquired: false, inUse: 2, permits: 2), PermitGrant(acquired: false, inUse: 2, permits: 2),
            PermitGrant(acquired: false, inUse: 2, permits: 2), PermitGrant(acquired: false, inUse: 2, permits: 2),
        ])
        #expect(try Set(holders(fixture, of: "pool")) == Set(runs[0..<2].map(\.runID)))
        #expect(try waiters(fixture, of: "pool") == runs[2...].map(\.runID))
        #expect(try use(fixture, "pool") == SemaphoreUse(name: "pool", permits: 2, inUse: 2, waiting: 4))
        #expect(try fixture.scalar("SELECT step_name FROM ferry.semaphore_holders WHERE run_id = \(runs[0].runID)", as: String.self) == "tick.1")
    }

    @Test func acquiringAgainIsIdempotentAndKeepsThePlaceInLine() throws {
        let fixture = try EngineFixture()
        let runs = try runningRuns(fixture, count: 2)
        let first = try fixture.store.acquirePermit(of: "pool", permits: 1, fence: runs[0])
        let again = try fixture.store.acquirePermit(of: "pool", permits: 1, fence: runs[0])
        #expect(first == PermitGrant(acquired: true, inUse: 1, permits: 1))
        #expect(again == PermitGrant(acquired: true, inUse: 1, permits: 1), "a holder holds it again, not a second permit")
        #expect(try fixture.scalar("SELECT count(*) FROM ferry.semaphore_holders", as: Int.self) == 1)

        #expect(try fixture.store.acquirePermit(of: "pool", permits: 1, fence: runs[1]).acquired == false)
        let since = try fixture.scalar("SELECT since::text FROM ferry.semaphore_waiters WHERE run_id = \(runs[1].runID)", as: String.self)
        #expect(try fixture.store.acquirePermit(of: "pool", permits: 1, fence: runs[1]).acquired == false)
        #expect(try fixture.scalar("SELECT since::text FROM ferry.semaphore_waiters WHERE run_id = \(runs[1].runID)", as: String.self) == since,
                "asking again keeps the run's place in line")
        #expect(try fixture.scalar("SELECT count(*) FROM ferry.semaphore_waiters", as: Int.self) == 1)
    }

    @Test func aPermitIsHeldAcrossParksAndClaims() throws {
        let fixture = try EngineFixture()
        let run = try #require(try runningRuns(fixture, count: 1).first)
        #expect(try fixture.store.acquirePermit(of: "pool", permits: 1, fence: run).acquired)
        let acquiredAt = try fixture.scalar("SELECT acquired_at::text FROM ferry.semaphore_holders WHERE run_id = \(run.runID)", as: String.self)
        #expect(try fixture.store.park(fence: run, delay: 0, failedAttempts: 0, polls: 1, error: nil, kind: "step.waiting", reason: "x"))
        #expect(try fixture.scalar("SELECT in_use FROM ferry.semaphores WHERE name = 'pool'", as: Int.self) == 1, "parked, still held")
        let (reclaimed, fence) = try fixture.claim(as: "w1")
        #expect(reclaimed.id == run.runID && reclaimed.leaseEpoch == run.epoch + 1)
        #expect(try fixture.store.acquirePermit(of: "pool", permits: 1, fence: fence) == PermitGrant(acquired: true, inUse: 1, permits: 1))
        #expect(try fixture.scalar("SELECT acquired_at::text FROM ferry.semaphore_holders WHERE run_id = \(run.runID)", as: String.self) == acquiredAt)
    }

    /// Runs race for permits from several connections on their own threads. No statement may grant more
    /// permits than there are: a trigger records the holders seen by every grant, under the semaphore's lock.
    @Test func concurrentAcquiresFromManyConnectionsNeverExceedThePermits() throws {
        let fixture = try EngineFixture()
        let permits = 3
        let threads = 6
        let runs = try runningRuns(fixture, count: threads * 4)
        try fixture.connection.executeScript(unsafeSQL: """
            CREATE TABLE holders_seen (holders integer NOT NULL);
            CREATE FUNCTION record_holders() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO holders_seen SELECT count(*) FROM ferry.semaphore_holders WHERE semaphore = NEW.semaphore;
                RETURN NULL;
            END $$;
            CREATE TRIGGER record_holders AFTER INSERT ON ferry.semaphore_holders FOR EACH ROW EXECUTE FUNCTION record_holders();
            """)
        let url = fixture.url
        let ready = DispatchGroup()
        // No thread gives a permit back before every thread has asked in round one.
        let roundOne = DispatchGroup()
        let done = DispatchGroup()
        let start = DispatchSemaphore(value: 0)
        let firstRoundGrants = Shared(0)
        let failures = Shared<[String]>([])
        for thread in 0..<threads {
            let own = Array(runs[(thread * 4)..<(thread * 4 + 4)])
            ready.enter()
            roundOne.enter()
            done.enter()
            Thread {
                defer { done.leave() }
                var isReady = false
                var askedInRoundOne = false
                do {
                    let store = RunStore(connection: try PostgresConnection(connectionString: url, applicationName: "semaphore-race"))
                    isReady = true
                    ready.leave()
                    start.wait()
                    // Round one: every run asks once, all at the same time; nobody gives anything back.
                    for fence in own where try store.acquirePermit(of: "pool", permits: permits, fence: fence).acquired {
                        firstRoundGrants.withLock { $0 += 1 }
                    }
                    askedInRoundOne = true
                    roundOne.leave()
                    roundOne.wait()
                    // Then, in turn, each holder gives its permit back and each other run asks again.
                    var held = Set(try store.connection.query("SELECT run_id FROM ferry.semaphore_holders")
                        .map { try $0.decode("run_id", as: UUID.self) }).intersection(own.map(\.runID))
                    for turn in 0..<40 {
                        let fence = own[turn % own.count]
                        if held.contains(fence.runID) {
                            try StepSession(store: store, fence: fence).releasePermit(of: "pool")
                            held.remove(fence.runID)
                        } else if try store.acquirePermit(of: "pool", permits: permits, fence: fence).acquired {
                            held.insert(fence.runID)
                        }
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                    if !isReady { ready.leave() }
                    if !askedInRoundOne { roundOne.leave() }
                }
            }.start()
        }
        ready.wait()
        for _ in 0..<threads { start.signal() }
        done.wait()
        #expect(failures.withLock { $0 } == [])
        #expect(firstRoundGrants.withLock { $0 } == permits, "exactly as many grants as permits while nobody released")
        #expect(try fixture.scalar("SELECT max(holders) FROM holders_seen", as: Int.self) == permits, "never more holders than permits")
        #expect(try fixture.scalar("SELECT count(*) FROM holders_seen WHERE holders > \(permits)", as: Int.self) == 0)
        #expect(try fixture.scalar("SELECT count(*) FROM holders_seen", as: Int.self)! > permits, "permits changed hands")
        let inUse = try #require(try fixture.scalar("SELECT in_use FROM ferry.semaphores WHERE name = 'pool'", as: Int.self))
        #expect(try fixture.scalar("SELECT count(*) FROM ferry.semaphore_holders", as: Int.self) == inUse, "in_use counts the holders")
        #expect(inUse <= permits)
    }

    @Test func aFreePermitGoesToTheFirstInLine() throws {
        let fixture = try EngineFixture()
        let (first, second) = try twoInLineWhenTheHolderReleases(fixture)
        #expect(try isDueNow(fixture, first.runID) && !isDueNow(fixture, second.runID), "only the first in line is woken")
        // The second is claimed anyway (its poll came due): it is refused while the first has not taken its turn.
        try fixture.connection.execute("UPDATE ferry.runs SET next_wake_at = now() + interval '1 second' WHERE id = \(second.runID)")
        let firstAgain = try fixture.claim(as: "w1").fence
        #expect(firstAgain.runID == first.runID)
        try fixture.connection.execute("UPDATE ferry.runs SET next_wake_at = now() WHERE id = \(second.runID)")
        let secondAgain = try fixture.claim(as: "w1").fence
        #expect(secondAgain.runID == second.runID)
        #expect(try fixture.store.acquirePermit(of: "pool", permits: 1, fence: secondAgain) == PermitGrant(acquired: false, inUse: 0, permits: 1),
                "a free permit is the first waiter's")
        #expect(try fixture.store.acquirePermit(of: "pool", permits: 1, fence: firstAgain) == PermitGrant(acquired: true, inUse: 1, permits: 1))
        #expect(try holders(fixture, of: "pool") == [first.runID])
        #expect(try waiters(fixture, of: "pool") == [second.runID])
    }

    @Test func aReleaseWakesAsManyWaitersAsPermitsFreedFirstInLineFirst() throws {
        let fixture = try EngineFixture()
        let runs = try runningRuns(fixture, count: 6)
        let holders = Array(runs[0..<2])
        let waiting = Array(runs[2...])
        for fence in holders { #expect(try fixture.store.acquirePermit(of: "pool", permits: 2, fence: fence).acquired) }
        for fence in waiting {
            #expect(try fixture.store.acquirePermit(of: "pool", permits: 2, fence: fence).acquired == false)
            try parkForAnHour(fixture, fence)
        }
        func woken() throws -> [Bool] { try waiting.map { try isDueNow(fixture, $0.runID) } }
        #expect(try woken() == [false, false, false, false])
        try session(fixture, holders[0]).releasePermit(of: "pool")
        #expect(try woken() == [true, false, false, false])
        try session(fixture, holders[0]).releasePermit(of: "pool") // holds none any more: frees nothing, wakes nobody
        #expect(try woken() == [true, false, false, false])
        try session(fixture, holders[1]).releasePermit(of: "pool")
        #expect(try woken() == [true, true, false, false])
        #expect(try use(fixture, "pool") == SemaphoreUse(name: "pool", permits: 2, inUse: 0, waiting: 4))
    }

    // MARK: Giving permits back when a run finishes

    enum Finish: String, CaseIterable, Sendable { case succeeded, failed, cancelledWhileWaiting }

    @Test(arguments: Finish.allCases)
    func aRunThatFinishesGivesItsPermitBackAndWakesTheNextInLine(finish: Finish) throws {
        let fixture = try EngineFixture()
        let runs = try runningRuns(fixture, count: 3, steps: 1)
        let (holder, next, after) = (runs[0], runs[1], runs[2])
        #expect(try fixture.store.acquirePermit(of: "pool", permits: 1, fence: holder).acquired)
        #expect(try fixture.store.acquirePermit(of: "other", permits: 5, fence: holder).acquired)
        for fence in [next, after] {
            #expect(try fixture.store.acquirePermit(of: "pool", permits: 1, fence: fence).acquired == false)
            try parkForAnHour(fixture, fence)
        }
        switch finish {
        case .succeeded:
            #expect(try fixture.store.checkpoint(StepCompletion(output: [:], attempts: 1, polls: 0, startedAt: Date()), fence: holder,
                                                 isLastStep: true) == .finished(.succeeded))
        case .failed:
            #expect(try fixture.store.fail(fence: holder, failedAttempts: 1, polls: 0, error: "boom"))
        case .cancelledWhileWaiting:
            try parkForAnHour(fixture, holder)
            #expect(try fixture.store.cancel(runID: holder.runID, actor: "alice") == .cancelled)
        }
        #expect(try fixture.status(holder.runID)?.rawValue == (finish == .cancelledWhileWaiting ? "cancelled" : finish.rawValue))
        #expect(try fixture.scalar("SELECT count(*) FROM ferry.semaphore_holders WHERE run_id = \(holder.runID)", as: Int.self) == 0)
        #expect(try use(fixture, "pool") == SemaphoreUse(name: "pool", permits: 1, inUse: 0, waiting: 2))
        #expect(try use(fixture, "other") == SemaphoreUse(name: "other", permits: 5, inUse: 0, waiting: 0))
        #expect(try isDueNow(fixture, next.runID), "the next in line is woken")
        #expect(try !isDueNow(fixture, after.runID))
    }

    /// A woken run that leaves the line without taking the permit (cancelled, say) passes its turn on.
    @Test func aWokenWaiterThatLeavesTheLinePassesItsTurnOn() throws {
        let fixture = try EngineFixture()
        let (first, second) = try twoInLineWhenTheHolderReleases(fixture)
        #expect(try isDueNow(fixture, first.runID) && !isDueNow(fixture, second.runID))
        #expect(try fixture.store.cancel(runID: first.runID, actor: "alice") == .cancelled)
        #expect(try waiters(fixture, of: "pool") == [second.runID], "a finished run leaves the line")
        #expect(try isDueNow(fixture, second.runID), "the permit is free and the second is now first: it is woken")
    }

    /// The release can fall between a refused step's acquire and its park: the run, still running, cannot
    /// be woken then, so it must not park for its poll interval with a permit free for it.
    @Test func aRunRefusedJustBeforeAReleaseParksDueNow() throws {
        let fixture = try EngineFixture()
        let runs = try runningRuns(fixture, count: 3)
        let (holder, refused, behind) = (runs[0], runs[1], runs[2])
        #expect(try fixture.store.acquirePermit(of: "pool", permits: 1, fence: holder).acquired)
        #expect(try fixture.store.acquirePermit(of: "pool", permits: 1, fence: refused).acquired == false)
        #expect(try fixture.store.acquirePermit(of: "pool", permits: 1, fence: behind).acquired == false)
        try session(fixture, holder).releasePermit(of: "pool")
        #expect(try parkRefused(fixture.store, refused))
        #expect(try isDueNow(fixture, refused.runID), "first in line for a free permit: due now, not in an hour")
        #expect(try parkRefused(fixture.store, behind))
        #expect(try !isDueNow(fixture, behind.runID), "the second in line has no permit free for it")
    }

    // MARK: Resizing

    @Test func resizingChangesThePermitsOfNewGrantsAndWakesWaitersWhenItGrows() throws {
        let fixture = try EngineFixture()
        let runs = try runningRuns(fixture, count: 4)
        #expect(try fixture.store.acquirePermit(of: "pool", permits: 1, fence: runs[0]) == PermitGrant(acquired: true, inUse: 1, permits: 1))
        #expect(try fixture.store.acquirePermit(of: "pool", permits: 1, fence: runs[1]).acquired == false)
        try parkForAnHour(fixture, runs[1])
        // Grown to 3: two permits free; the run already in line is woken to take one, the asker gets the other.
        #expect(try fixture.store.acquirePermit(of: "pool", permits: 3, fence: runs[2]) == PermitGrant(acquired: true, inUse: 2, permits: 3))
        #expect(try isDueNow(fixture, runs[1].runID), "a permit is free for the run in line: it is woken")
        // Shrunk to 1 with 2 in use: nobody gets one until fewer than 1 are held.
        #expect(try fixture.store.acquirePermit(of: "pool", permits: 1, fence: runs[3]) == PermitGrant(acquired: false, inUse: 2, permits: 1))
        try parkForAnHour(fixture, runs[3])
        try session(fixture, runs[0]).releasePermit(of: "pool")
        #expect(try use(fixture, "pool") == SemaphoreUse(name: "pool", permits: 1, inUse: 1, waiting: 2))
        #expect(try !isDueNow(fixture, runs[3].runID), "still none free")
        #expect(throws: PostgresError.self) { try fixture.store.acquirePermit(of: "pool", permits: 0, fence: runs[2]) }
        do {
            _ = try fixture.store.acquirePermit(of: "empty", permits: 0, fence: runs[2])
        } catch let error as PostgresError {
            #expect(error.sqlState == "23514" && error.message.contains("semaphores_permits_check"), "\(error)")
        }
    }

    // MARK: Fencing

    @Test func aStaleLeaseGetsNoPermitAndCannotGiveOneBack() throws {
        let fixture = try EngineFixture()
        try fixture.registerWorker("w2")
        let run = try #require(try runningRuns(fixture, count: 1).first)
        // Expired, not yet taken over.
        try fixture.expireLease(of: run.runID)
        #expect(throws: LeaseLost.self) { try fixture.store.acquirePermit(of: "pool", permits: 1, fence: run) }
        #expect(try fixture.scalar("SELECT count(*) FROM ferry.semaphores", as: Int.self) == 0, "nothing was written")
        // Taken over: the new holder of the lease takes the permit; the old one can neither take nor free it.
        let (taken, fence) = try fixture.claim(as: "w2")
        #expect(taken.id == run.runID && taken.leaseEpoch == run.epoch + 1 && taken.tookOverFrom == "w1")
        #expect(try fixture.store.acquirePermit(of: "pool", permits: 1, fence: fence).acquired)
        #expect(throws: LeaseLost.self) { try fixture.store.acquirePermit(of: "pool", permits: 1, fence: run) }
        #expect(throws: LeaseLost.self) { try session(fixture, run).releasePermit(of: "pool") }
        #expect(try holders(fixture, of: "pool") == [run.runID], "the stale worker's release landed nowhere")
        #expect(try use(fixture, "pool") == SemaphoreUse(name: "pool", permits: 1, inUse: 1, waiting: 0))
        let unknown = LeaseFence(runID: UUID(), epoch: 1, stepIndex: 0, stepName: "tick.1", workerID: "w1")
        #expect(throws: LeaseLost.self) { try fixture.store.acquirePermit(of: "pool", permits: 1, fence: unknown) }
    }

    /// A run finishing (an operator cancelling it once its lease expired) while its worker's request for a
    /// permit is under way: the permit is either never granted or given back; none stays held by a finished
    /// run. The request is held, by a test trigger, right after it found the lease valid.
    @Test func aRunFinishingDuringARequestLeavesNoPermitHeld() throws {
        let fixture = try EngineFixture()
        let run = try #require(try runningRuns(fixture, count: 1).first)
        try fixture.connection.executeScript(unsafeSQL: """
            CREATE FUNCTION hold_permit_request() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_advisory_lock(5005);
                PERFORM pg_advisory_unlock(5005);
                RETURN NEW;
            END $$;
            CREATE TRIGGER hold_permit_request BEFORE INSERT ON ferry.semaphores FOR EACH ROW EXECUTE FUNCTION hold_permit_request();
            SELECT pg_advisory_lock(5005);
            """)
        let url = fixture.url
        let asked = Shared<Result<PermitGrant, any Error>?>(nil)
        let cancelled = Shared<Result<RunStatus, any Error>?>(nil)
        let done = DispatchGroup()
        done.enter()
        Thread {
            defer { done.leave() }
            let result = Result {
                let store = RunStore(connection: try PostgresConnection(connectionString: url, applicationName: "permit-asker"))
                return try store.acquirePermit(of: "pool", permits: 1, fence: run)
            }
            asked.withLock { $0 = result }
        }.start()
        func waiting(_ application: String) throws -> Bool {
            try fixture.scalar("""
                SELECT count(*) FROM pg_stat_activity WHERE application_name = \(application) AND wait_event_type = 'Lock'
                """, as: Int.self) == 1
        }
        #expect(try FerryProcess.waitUntil { try waiting("permit-asker") }, "the request is held after its lease check")
        done.enter()
        Thread {
            defer { done.leave() }
            let result = Result {
                let store = RunStore(connection: try PostgresConnection(connectionString: url, applicationName: "canceller"))
                try store.connection.execute("""
                    UPDATE ferry.runs SET lease_expires_at = now(), next_wake_at = now() WHERE id = \(run.runID)
                    """)
                return try store.cancel(runID: run.runID, actor: "alice")
            }
            cancelled.withLock { $0 = result }
        }.start()
        // The cancel either waits for the request (which holds the run) or is already done.
        #expect(try FerryProcess.waitUntil { try waiting("canceller") || cancelled.withLock { $0 != nil } })
        try fixture.connection.execute("SELECT pg_advisory_unlock(5005)")
        done.wait()
        #expect(try cancelled.withLock { try $0?.get() } == .cancelled)
        #expect(try asked.withLock { try $0?.get() }?.acquired == true, "the lease was valid when the run asked")
        #expect(try fixture.status(run.runID) == .cancelled)
        #expect(try fixture.scalar("SELECT count(*) FROM ferry.semaphore_holders", as: Int.self) == 0, "no permit held by a finished run")
        #expect(try fixture.scalar("SELECT in_use FROM ferry.semaphores WHERE name = 'pool'", as: Int.self) == 0)
    }

    // MARK: Lock order (sql/engine/009_lock_order.sql)

    /// Whether the connection named `application` is waiting for a lock.
    func isWaitingForALock(_ fixture: EngineFixture, _ application: String) throws -> Bool {
        try fixture.scalar("""
            SELECT count(*) FROM pg_stat_activity WHERE application_name = \(application) AND wait_event_type = 'Lock'
            """, as: Int.self) == 1
    }

    /// Whether `lockingQuery` (a `FOR UPDATE NOWAIT`) finds its row locked by another transaction.
    func isLocked(_ fixture: EngineFixture, _ lockingQuery: PostgresQuery) throws -> Bool {
        do {
            _ = try fixture.connection.transaction { try fixture.connection.execute(lockingQuery) }
            return false
        } catch let error as PostgresError where error.sqlState == "55P03" {
            return true
        }
    }

    /// Runs `body` on a thread of its own with a connection named `application`; its result, once it is done.
    func onItsOwnConnection<T: Sendable>(
        _ fixture: EngineFixture, _ application: String, _ done: DispatchGroup, _ body: @escaping @Sendable (RunStore) throws -> T
    ) -> Shared<Result<T, any Error>?> {
        let result = Shared<Result<T, any Error>?>(nil)
        let url = fixture.url
        done.enter()
        Thread {
            defer { done.leave() }
            let outcome = Result { try body(RunStore(connection: try PostgresConnection(connectionString: url, applicationName: application))) }
            result.withLock { $0 = outcome }
        }.start()
        return result
    }

    /// The cycle that failed a run of a 50-database fleet cycle with a deadlock (40P01), statement by statement:
    /// a slot asks for a permit (it holds its run and is about to lock the semaphore); the heartbeat extends
    /// the worker's leases; another slot parks its run, which is in line for that semaphore; then the first
    /// slot's request goes on. The heartbeat used to wait for the asking run while holding the parking one,
    /// and the park to share-lock the semaphore before locking its run: the request then waited for the park,
    /// the park for the heartbeat, the heartbeat for the request. Now the heartbeat skips the run being written
    /// instead of waiting for it, and the park locks its run before the semaphore: both finish while the
    /// request is held, and the request then finishes too.
    @Test func aPermitRequestTheHeartbeatAndAParkDoNotDeadlock() throws {
        let fixture = try EngineFixture()
        let runs = try runningRuns(fixture, count: 3)
        let (holder, inLine, asking) = (runs[0], runs[1], runs[2])
        #expect(try fixture.store.acquirePermit(of: "pool", permits: 1, fence: holder).acquired)
        #expect(try fixture.store.acquirePermit(of: "pool", permits: 1, fence: inLine).acquired == false)
        // The request is held, by a test trigger, after it locked its run and before it locks the semaphore.
        try fixture.connection.executeScript(unsafeSQL: """
            CREATE FUNCTION hold_permit_request() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_advisory_lock(5007);
                PERFORM pg_advisory_unlock(5007);
                RETURN NEW;
            END $$;
            CREATE TRIGGER hold_permit_request BEFORE INSERT ON ferry.semaphores FOR EACH ROW EXECUTE FUNCTION hold_permit_request();
            SELECT pg_advisory_lock(5007);
            """)
        let done = DispatchGroup()
        let request = onItsOwnConnection(fixture, "permit-request", done) { store in
            try store.acquirePermit(of: "pool", permits: 1, fence: asking)
        }
        #expect(try FerryProcess.waitUntil { try isWaitingForALock(fixture, "permit-request") })
        let heartbeat = onItsOwnConnection(fixture, "heartbeat", done) { store in
            try store.heartbeat(workerID: "w1", runIDs: [inLine, asking].map(\.runID.lowercasedString),
                                epochs: [inLine, asking].map(\.epoch), leaseSeconds: 600)
        }
        #expect(try FerryProcess.waitUntil { heartbeat.withLock { $0 != nil } }, "the heartbeat did not wait for the asking run")
        let park = onItsOwnConnection(fixture, "park", done) { store in
            try parkRefused(store, inLine)
        }
        #expect(try FerryProcess.waitUntil { park.withLock { $0 != nil } })
        try fixture.connection.execute("SELECT pg_advisory_unlock(5007)")
        done.wait()
        #expect(try heartbeat.withLock { try $0?.get() } == 1, "the run in line's lease was extended; the asking run's, being written, was skipped")
        #expect(try park.withLock { try $0?.get() } == true)
        #expect(try request.withLock { try $0?.get() }?.acquired == false, "the run parked in line is ahead of it")
        #expect(try waiters(fixture, of: "pool") == [inLine.runID, asking.runID])
        #expect(try holders(fixture, of: "pool") == [holder.runID])
    }

    /// A park share-locks the semaphores its run waits for (to see a permit freed meanwhile) only after it
    /// locked its run: held up at the semaphore, it already holds the run.
    @Test func aParkLocksItsRunBeforeTheSemaphoresItWaitsFor() throws {
        let fixture = try EngineFixture()
        let runs = try runningRuns(fixture, count: 2)
        let (holder, inLine) = (runs[0], runs[1])
        #expect(try fixture.store.acquirePermit(of: "pool", permits: 1, fence: holder).acquired)
        #expect(try fixture.store.acquirePermit(of: "pool", permits: 1, fence: inLine).acquired == false)
        let blocker = try PostgresConnection(connectionString: fixture.url, applicationName: "blocker")
        try blocker.executeScript(unsafeSQL: "BEGIN")
        try blocker.execute("SELECT 1 FROM ferry.semaphores WHERE name = 'pool' FOR UPDATE")
        let done = DispatchGroup()
        let park = onItsOwnConnection(fixture, "park", done) { store in
            try parkRefused(store, inLine)
        }
        #expect(try FerryProcess.waitUntil { try isWaitingForALock(fixture, "park") })
        #expect(try isLocked(fixture, "SELECT 1 FROM ferry.runs WHERE id = \(inLine.runID) FOR UPDATE NOWAIT"))
        try blocker.executeScript(unsafeSQL: "COMMIT")
        done.wait()
        #expect(try park.withLock { try $0?.get() } == true)
        #expect(try isDueNow(fixture, inLine.runID) == false, "no permit is free: parked for its poll interval")
    }

    /// A release wakes the runs in line whose rows are free and does not wait for one that another statement
    /// is writing (a claim, a cancel, a resumption, each of which settles the run without the wake-up).
    @Test func aReleaseDoesNotWaitForARunInLineThatAnotherStatementIsWriting() throws {
        let fixture = try EngineFixture()
        let runs = try runningRuns(fixture, count: 4)
        let (holders, beingWritten, next) = (Array(runs[0...1]), runs[2], runs[3])
        for fence in holders { #expect(try fixture.store.acquirePermit(of: "pool", permits: 2, fence: fence).acquired) }
        for fence in [beingWritten, next] {
            #expect(try fixture.store.acquirePermit(of: "pool", permits: 2, fence: fence).acquired == false)
            try parkForAnHour(fixture, fence)
        }
        let writer = try PostgresConnection(connectionString: fixture.url, applicationName: "writer")
        try writer.executeScript(unsafeSQL: "BEGIN")
        try writer.execute("SELECT 1 FROM ferry.runs WHERE id = \(beingWritten.runID) FOR UPDATE")
        // A release that waited for the writer would fail after the lock timeout.
        try fixture.connection.execute("SET lock_timeout = '60s'")
        for fence in holders { try session(fixture, fence).releasePermit(of: "pool") }
        try writer.executeScript(unsafeSQL: "COMMIT")
        #expect(try isDueNow(fixture, next.runID), "the run in line whose row was free was woken")
        #expect(try use(fixture, "pool") == SemaphoreUse(name: "pool", permits: 2, inUse: 0, waiting: 2))
    }

    /// A run holding permits of several semaphores locks them, to give them back, in the order of their names,
    /// whatever order it took them in: held up at the second, it holds the first and not yet the third.
    @Test func permitsOfSeveralSemaphoresAreGivenBackInNameOrder() throws {
        let fixture = try EngineFixture()
        let run = try #require(try runningRuns(fixture, count: 1).first)
        for name in ["pool-c", "pool-a", "pool-b"] {
            #expect(try fixture.store.acquirePermit(of: name, permits: 1, fence: run).acquired)
        }
        let blocker = try PostgresConnection(connectionString: fixture.url, applicationName: "blocker")
        try blocker.executeScript(unsafeSQL: "BEGIN")
        try blocker.execute("SELECT 1 FROM ferry.semaphores WHERE name = 'pool-b' FOR UPDATE")
        let done = DispatchGroup()
        let released = onItsOwnConnection(fixture, "release", done) { store in
            try store.connection.query("SELECT ferry.release_permits(\(run.runID), NULL) AS released").first?.decode("released", as: Int.self)
        }
        #expect(try FerryProcess.waitUntil { try isWaitingForALock(fixture, "release") })
        #expect(try isLocked(fixture, "SELECT 1 FROM ferry.semaphores WHERE name = 'pool-a' FOR UPDATE NOWAIT"))
        #expect(try isLocked(fixture, "SELECT 1 FROM ferry.semaphores WHERE name = 'pool-c' FOR UPDATE NOWAIT") == false)
        try blocker.executeScript(unsafeSQL: "COMMIT")
        done.wait()
        #expect(try released.withLock { try $0?.get() } == 3)
        #expect(try fixture.store.semaphores().map(\.inUse) == [0, 0, 0])
        #expect(try fixture.scalar("SELECT count(*) FROM ferry.semaphore_holders", as: Int.self) == 0)
    }
}

/// A value threads share, behind a lock.
final class Shared<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ value: Value) {
        self.value = Mutex(value)
    }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        try value.withLock { try body(&$0) }
    }
}
