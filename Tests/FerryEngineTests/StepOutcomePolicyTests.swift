import FerryPostgres
import Testing
@testable import FerryEngine

struct StepOutcomePolicyTests {
    static let step = StepDefinition(
        name: "copy",
        retry: StepRetryPolicy(maxAttempts: 3, initialBackoff: 2, maxBackoff: 10, multiplier: 2),
        poll: StepPollPolicy(initialInterval: 5, maxInterval: 60, multiplier: 3),
        timeout: 3600, repeatCountInput: nil
    )

    static func state(index: Int = 0, count: Int = 3, failed: Int = 0, polls: Int = 0, elapsed: Double = 0) -> StepState {
        StepState(stepIndex: index, stepCount: count, failedAttempts: failed, polls: polls, elapsed: elapsed)
    }

    /// (where the step stands, what happened, random draw, what must be persisted)
    static let table: [(StepState, StepEvent, Double, RunTransition)] = [
        // A completed step advances, or finishes the run when it was the last.
        (state(index: 0), .completed(output: ["id": "a"]), 0.5, .advance(output: ["id": "a"])),
        (state(index: 2), .completed(output: [:]), 0.5, .succeed(output: [:])),
        (state(index: 0, count: 1), .completed(output: [:]), 0.5, .succeed(output: [:])),
        // Completion wins over an exhausted budget: the work is done.
        (state(index: 1, failed: 2, elapsed: 99999), .completed(output: [:]), 0.5, .advance(output: [:])),
        // Not yet: the poll interval grows by the multiplier to its cap, with ±10% jitter.
        (state(polls: 0), .notYet(reason: "creating"), 0.5, .poll(delay: 5, polls: 1, reason: "creating")),
        (state(polls: 1), .notYet(reason: "creating"), 0.5, .poll(delay: 15, polls: 2, reason: "creating")),
        (state(polls: 2), .notYet(reason: "creating"), 0.0, .poll(delay: 45 * 0.9, polls: 3, reason: "creating")),
        (state(polls: 9), .notYet(reason: "creating"), 1.0, .poll(delay: 60 * 1.1, polls: 10, reason: "creating")),
        // ...until the step's time budget is spent.
        (state(polls: 4, elapsed: 3600), .notYet(reason: "copying"), 0.5,
         .fail(error: "step copy timed out after 1h (5 polls): copying")),
        // Retryable errors back off with full jitter up to the cap, then fail on the last attempt.
        (state(failed: 0), .failed(.retryable("Throttling")), 1.0, .retry(delay: 2, failedAttempts: 1, error: "Throttling")),
        (state(failed: 1), .failed(.retryable("Throttling")), 0.5, .retry(delay: 2, failedAttempts: 2, error: "Throttling")),
        (state(failed: 0), .failed(.retryable("HTTP 503")), 0.0, .retry(delay: 0, failedAttempts: 1, error: "HTTP 503")),
        (state(failed: 2), .failed(.retryable("HTTP 503")), 0.5, .fail(error: "HTTP 503 (gave up after 3 attempts)")),
        (state(failed: 1, elapsed: 4000), .failed(.retryable("HTTP 503")), 0.5,
         .fail(error: "step copy timed out after 1h: HTTP 503")),
        // Terminal errors fail at once, whatever budget is left.
        (state(failed: 0), .failed(.terminal("DBSnapshotNotFound")), 0.5, .fail(error: "DBSnapshotNotFound")),
    ]

    @Test(arguments: table.indices)
    func transition(row: Int) {
        let (state, event, random, expected) = Self.table[row]
        #expect(StepOutcomePolicy.transition(state: state, step: Self.step, event: event, random: { random }) == expected)
    }

    @Test func retryBackoffIsCapped() {
        let policy = StepRetryPolicy(maxAttempts: 100, initialBackoff: 1, maxBackoff: 30, multiplier: 2)
        #expect(StepOutcomePolicy.retryDelay(after: 50, policy: policy, random: { 1 }) == 30)
        #expect(StepOutcomePolicy.retryDelay(after: 3, policy: policy, random: { 1 }) == 4)
    }

    @Test func operatorActionsFollowStatus() {
        #expect(RunStatus.waiting.operatorActions == [.cancel])
        #expect(RunStatus.running.operatorActions == [.cancel])
        #expect(RunStatus.failed.operatorActions == [.resume])
        #expect(RunStatus.cancelled.operatorActions == [.resume])
        #expect(RunStatus.succeeded.operatorActions.isEmpty)
        #expect(RunStatus.allCases.filter(\.isFinished) == [.succeeded, .failed, .cancelled])
    }

    @Test func unclassifiedErrorsAreTerminal() {
        struct Unknown: Error {}
        struct Flaky: ClassifiedError { var isRetryable: Bool { true } }
        #expect(StepFailure(Unknown()).isRetryable == false)
        #expect(StepFailure(Flaky()).isRetryable == true)
    }

    /// A step's own statement in Ferry's database is tried again when PostgreSQL says sending it again may
    /// work (by SQLSTATE, never by message), and fails the step when the statement itself is wrong.
    @Test(arguments: [
        (PostgresError.Kind.server, "40P01", true), (.server, "40001", true), (.server, "08006", true), (.server, "53300", true),
        (.server, "57P01", true), (.connection, nil, true),
        (.server, "23505", false), (.server, "23514", false), (.server, "42P01", false), (.server, "57014", false),
        (.server, nil, false), (.decoding, nil, false), (.usage, nil, false),
    ] as [(PostgresError.Kind, String?, Bool)])
    func databaseErrorsAreRetriedWhenTransient(kind: PostgresError.Kind, sqlState: String?, retried: Bool) {
        #expect(StepFailure(PostgresError(kind: kind, sqlState: sqlState, message: "any words")).isRetryable == retried)
    }
}
