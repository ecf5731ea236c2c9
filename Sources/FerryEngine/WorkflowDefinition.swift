/// How a step retries a retryable error: exponential backoff with full jitter, capped.
public struct StepRetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included; the last failure fails the run.
    public var maxAttempts: Int
    public var initialBackoff: Double
    public var maxBackoff: Double
    public var multiplier: Double

    public static let standard = StepRetryPolicy(maxAttempts: 5, initialBackoff: 1, maxBackoff: 300, multiplier: 2)
}

/// How often a waiting step is asked again: an interval that grows by `multiplier` up to a cap.
public struct StepPollPolicy: Sendable, Equatable {
    public var initialInterval: Double
    public var maxInterval: Double
    public var multiplier: Double

    public static let standard = StepPollPolicy(initialInterval: 5, maxInterval: 300, multiplier: 2)
}

public struct StepDefinition: Sendable, Equatable {
    public var name: String
    /// The registered action that performs the step.
    public var action: String
    public var retry: StepRetryPolicy
    public var poll: StepPollPolicy
    /// The step's whole time budget, polls and retries included; nil for none.
    public var timeout: Double?
    /// The name of an integer input field: the step runs that many times, as `name.1`, `name.2`, ….
    public var repeatCountInput: String?
}

/// One step of a run's concrete plan, after repeats are expanded.
public struct PlannedStep: Sendable, Equatable {
    public var name: String
    public var definition: StepDefinition
}

/// A workflow as loaded from `workflows/NAME.yaml`.
public struct WorkflowDefinition: Sendable {
    public var name: String
    public var description: String
    public var steps: [StepDefinition]
    /// The SHA-256 of the source text: the version a run records and keeps.
    public var version: String
    public var source: String

    /// Most steps a run may have, repeats included.
    public static let maxPlannedSteps = 10_000

    /// The steps a run with this input performs, in order.
    public func plan(input: JSONValue) throws(WorkflowInputError) -> [PlannedStep] {
        var planned: [PlannedStep] = []
        for step in steps {
            guard let field = step.repeatCountInput else {
                planned.append(PlannedStep(name: step.name, definition: step))
                continue
            }
            let count: Int
            switch input[field] {
            case nil, .null?: count = 1
            case let value?:
                guard let number = value.intValue, number >= 1 else {
                    throw WorkflowInputError(message: "input \"\(field)\" must be a whole number of at least 1")
                }
                count = number
            }
            guard planned.count + count <= Self.maxPlannedSteps else {
                throw WorkflowInputError(message: "input \"\(field)\" asks for more than \(Self.maxPlannedSteps) steps")
            }
            planned += (1...count).map { PlannedStep(name: "\(step.name).\($0)", definition: step) }
        }
        return planned
    }
}

public struct WorkflowInputError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
