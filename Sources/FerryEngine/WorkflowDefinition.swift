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

/// A step that undoes what a run made when the run stops (fails, or is cancelled) at one of the steps
/// `from`…`through`: performed after the stop, before the run finishes, like any other step.
public struct CompensationStep: Sendable, Equatable {
    public var step: StepDefinition
    /// The first step whose stop this compensation undoes.
    public var from: String
    /// The last one; nil for every step from `from` on.
    public var through: String?
}

/// A workflow's steps with their policies, as loaded from `workflows/NAME.yaml` and checked against the
/// workflow's contract (which binds each step to the code that performs it).
public struct WorkflowDefinition: Sendable {
    public var name: String
    public var description: String
    public var steps: [StepDefinition]
    /// Performed in this order when a run stops at a step they cover.
    public var compensation: [CompensationStep]
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

    /// The compensation steps a run whose plan is `plan` performs when it stops at step `stoppedAt`: those
    /// whose `from`…`through` range covers it (a repeated step's range spans all its repeats).
    public func compensationPlan(stoppedAt: Int, plan: [PlannedStep]) -> [PlannedStep] {
        compensation.filter { undo in
            guard let first = plan.firstIndex(where: { $0.definition.name == undo.from }) else { return false }
            let last = plan.lastIndex(where: { $0.definition.name == (undo.through ?? plan[plan.count - 1].definition.name) }) ?? plan.count - 1
            return (first...last).contains(stoppedAt)
        }.map { PlannedStep(name: $0.step.name, definition: $0.step) }
    }

    /// The step indexes of `plan` at which a stop is compensated (stored with the run when it starts).
    public func compensatedStops(plan: [PlannedStep]) -> [Int] {
        plan.indices.filter { !compensationPlan(stoppedAt: $0, plan: plan).isEmpty }
    }
}

public struct WorkflowInputError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
