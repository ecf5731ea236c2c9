public import FerryPostgres
public import Logging
public import Foundation

/// What a step's action reports when it returns normally; errors are thrown.
public enum StepResult: Sendable, Equatable {
    case done(JSONValue)
    /// Not finished yet; the engine parks the run and asks again under the step's poll policy.
    case notYet(String)
}

/// An error that says whether trying the step again may help.
public protocol ClassifiedError: Error {
    var isRetryable: Bool { get }
}

/// A step's own statements in Ferry's database (permits, effects, reads) fail like any other call it makes:
/// a deadlock broken by PostgreSQL, a serialization conflict or a lost connection is tried again under the
/// step's retry policy; an error in the statement itself is not.
extension PostgresError: ClassifiedError {
    public var isRetryable: Bool { isTransient }
}

/// A failed attempt of a step, as the engine records it.
public struct StepFailure: Error, Sendable, Equatable, ClassifiedError, CustomStringConvertible {
    public var message: String
    public var isRetryable: Bool

    public init(message: String, isRetryable: Bool) {
        self.message = message
        self.isRetryable = isRetryable
    }

    public static func retryable(_ message: String) -> StepFailure { StepFailure(message: message, isRetryable: true) }
    public static func terminal(_ message: String) -> StepFailure { StepFailure(message: message, isRetryable: false) }

    public var description: String { message }

    /// Classifies any error an action threw: a `ClassifiedError` says itself; anything else is terminal,
    /// because retrying an error nobody understood only repeats it.
    public init(_ error: any Error) {
        if let failure = error as? StepFailure {
            self = failure
        } else if let classified = error as? any ClassifiedError {
            self.init(message: "\(error)", isRetryable: classified.isRetryable)
        } else {
            self.init(message: "\(error)", isRetryable: false)
        }
    }
}

/// Everything a step's action may know about its run, and what it may do in Ferry's database under the
/// run's lease (`session`). Used on the slot's own thread only.
public struct StepContext {
    public var runID: UUID
    public var workflow: String
    public var stepName: String
    public var stepIndex: Int
    /// Failed attempts of this step before this one.
    public var failedAttempts: Int
    /// "Not yet" answers of this step before this one.
    public var polls: Int
    public var input: JSONValue
    /// The outputs of the run's completed steps, by step name.
    public var outputs: [String: JSONValue]
    /// The fire time of the schedule that started the run, if a schedule did.
    public var scheduledFor: Date?
    public var createdAt: Date
    /// Set while the run performs its compensation steps: where and why it stopped.
    public var compensation: Compensation?
    public var session: StepSession
    /// What the slot performing the step keeps for all the steps it performs (an AWS session, say).
    public var slot: SlotLocals
    public var logger: Logger
}

/// Values a worker slot keeps for the steps it performs, one of each type, made on first use and kept while
/// the slot lives: connections that stay alive and budgets that span steps. Used on the slot's thread only.
public final class SlotLocals {
    private var values: [ObjectIdentifier: AnyObject] = [:]

    public init() {}

    /// The slot's `Value`, made by `make` the first time a step asks for one.
    public func value<Value: AnyObject>(of type: Value.Type, orMake make: () throws -> Value) rethrows -> Value {
        if let value = values[ObjectIdentifier(type)] { return value as! Value }
        let value = try make()
        values[ObjectIdentifier(type)] = value
        return value
    }
}

/// What a step may do in Ferry's database under its run's lease, on the slot's connection: hold permits of
/// named semaphores across steps and parks, and record side effects before making them.
public final class StepSession {
    let store: RunStore
    let fence: LeaseFence

    init(store: RunStore, fence: LeaseFence) {
        self.store = store
        self.fence = fence
    }

    /// Takes a permit of `semaphore` (of `permits`) for the run, or queues the run for one: a step that is
    /// refused answers `.notYet`, and the run is woken when a permit frees. A permit is held until
    /// `releasePermit` or the end of the run, whichever comes first.
    public func acquirePermit(of semaphore: String, permits: Int) throws -> PermitGrant {
        try store.acquirePermit(of: semaphore, permits: permits, fence: fence)
    }

    /// Gives the run's permit of `semaphore` back (nothing if it holds none). Throws `LeaseLost` if the
    /// run's lease was lost: the permit is then the run's new worker's.
    public func releasePermit(of semaphore: String) throws {
        try store.releasePermit(of: semaphore, fence: fence)
    }

    /// Records `effect` before the step makes it (see `StepEffect`).
    public func intend(_ effect: StepEffect) throws {
        try store.intend(effect, fence: fence)
    }

    /// Records that `effect` happened.
    public func confirm(_ effect: StepEffect) throws {
        try store.confirm(effect, runID: fence.runID)
    }

    /// The run's recorded effects of one kind, confirmed or not, oldest first.
    public func effects(_ effect: String) throws -> [StepEffect] {
        try store.effects(effect, runID: fence.runID)
    }

    /// The slot's connection, for an action's reads of Ferry's records (which DR copies backup cycles made,
    /// say). Writes go through the fenced methods above, never through it.
    public var connection: PostgresConnection { store.connection }
}

/// A registered Swift handler that performs a kind of step. It runs on a worker's own thread and may
/// block (HTTP calls); it must be idempotent across a crash before its checkpoint.
public protocol StepAction: Sendable {
    func perform(_ context: StepContext) throws -> StepResult
}

/// A step action written as a closure.
public struct ClosureStepAction: StepAction {
    let body: @Sendable (StepContext) throws -> StepResult

    public init(_ body: @escaping @Sendable (StepContext) throws -> StepResult) {
        self.body = body
    }

    public func perform(_ context: StepContext) throws -> StepResult {
        try body(context)
    }
}
