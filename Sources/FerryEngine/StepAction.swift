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

/// Everything a step's action may know about its run.
public struct StepContext: Sendable {
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
    public var logger: Logger
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

/// The actions a worker can perform, by the names workflow files use.
public struct ActionRegistry: Sendable {
    public private(set) var actions: [String: any StepAction] = [:]

    public init() {}

    public mutating func register(_ name: String, _ action: any StepAction) {
        precondition(actions[name] == nil, "action \(name) registered twice")
        actions[name] = action
    }

    public var names: Set<String> { Set(actions.keys) }

    public subscript(name: String) -> (any StepAction)? { actions[name] }
}
