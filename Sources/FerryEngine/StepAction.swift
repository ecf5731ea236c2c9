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
    public var logger: Logger
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

/// The actions a worker can perform, by the names workflow files use, and what each needs of a run's input.
public struct ActionRegistry: Sendable {
    /// Throws (with a reason) if an input cannot serve an action; run before a run starts, not when it fails.
    public typealias InputCheck = @Sendable (JSONValue) throws -> Void

    public private(set) var actions: [String: any StepAction] = [:]
    public private(set) var inputChecks: [String: InputCheck] = [:]

    public init() {}

    public mutating func register(_ name: String, _ action: any StepAction) {
        precondition(actions[name] == nil, "action \(name) registered twice")
        actions[name] = action
    }

    /// Registers the actions `register` adds, each needing an input that `check` accepts (their input type).
    public mutating func register(requiringInput check: @escaping InputCheck, _ register: (inout ActionRegistry) -> Void) {
        let before = names
        register(&self)
        for name in names.subtracting(before) { inputChecks[name] = check }
    }

    public var names: Set<String> { Set(actions.keys) }

    public subscript(name: String) -> (any StepAction)? { actions[name] }

    /// Refuses `input` if some step or compensation of `definition` has an action whose input check
    /// refuses it, naming the first such action and the reason.
    public func validateInput(_ input: JSONValue, for definition: WorkflowDefinition) throws(WorkflowInputError) {
        let actionNames = definition.steps.map(\.action) + definition.compensation.map(\.step.action)
        var checked: Set<String> = []
        for name in actionNames where checked.insert(name).inserted {
            guard let check = inputChecks[name] else { continue }
            do {
                try check(input)
            } catch {
                throw WorkflowInputError(message: "the input does not fit workflow \"\(definition.name)\" (action \(name)): \(error)")
            }
        }
    }
}
