
/// A step of a workflow as its contract declares it: its name and the type of its output, which later steps
/// read back with `StepContext.output(of:)`.
public struct StepKey<Output: Codable & Sendable>: Sendable, Hashable, CustomStringConvertible {
    public let name: String

    public init(_ name: String) {
        self.name = name
    }

    public var description: String { name }
}

/// What a typed step answers: its output, or that it is not finished yet (the run is parked and the step
/// asked again under its poll policy). Errors are thrown.
public enum StepOutcome<Output: Sendable>: Sendable {
    case done(Output)
    case notYet(String)
}

/// A step of a contract bound to the code that performs it.
public struct ContractStep: Sendable {
    public let name: String
    let action: any StepAction
    /// The name of an integer input field: the step runs that many times, as `name.1`, `name.2`, ….
    let repeatCountInput: String?

    /// A step performed by `action`, whose output is whatever JSON it answers.
    public init(_ name: String, repeatCount: String? = nil, _ action: any StepAction) {
        self.name = name
        self.action = action
        repeatCountInput = repeatCount
    }

    /// A step performed by `perform`, which reads the run's input as `Input` and answers an `Output`: the
    /// input and the checkpointed output cross into JSON here and nowhere else.
    public static func step<Input: Decodable & Sendable, Output: Codable & Sendable>(
        _ key: StepKey<Output>, input: Input.Type,
        _ perform: @escaping @Sendable (StepContext, Input) throws -> StepOutcome<Output>
    ) -> ContractStep {
        ContractStep(key.name, ClosureStepAction { context in
            switch try perform(context, try context.input(as: Input.self)) {
            case .done(let output):
                do {
                    return .done(try JSONValue(encoding: output))
                } catch {
                    throw StepFailure.terminal("the output of step \(key.name) cannot be recorded: \(error)")
                }
            case .notYet(let reason):
                return .notYet(reason)
            }
        })
    }
}

/// A workflow as the code declares it: its name, the type of its input, its steps in order, and the steps
/// that undo what it made. The workflow file of the same name (`workflows/NAME.yaml`) adds the policies
/// only — retry, poll, timeout, and the range of steps each compensation step covers — keyed by these names
/// and checked against them when it is loaded.
public struct WorkflowContract: Sendable {
    public let name: String
    public let steps: [ContractStep]
    public let compensation: [ContractStep]
    /// Throws (with a reason) if a run's input is not the workflow's input type.
    let checkInput: @Sendable (JSONValue) throws -> Void

    /// A workflow whose input is `Input`; a run whose input does not decode as one is refused before it starts.
    public init<Input: Decodable & Sendable>(
        _ name: String, input: Input.Type, steps: [ContractStep], compensation: [ContractStep] = []
    ) {
        self.name = name
        self.steps = steps
        self.compensation = compensation
        checkInput = { _ = try $0.decode(as: Input.self) }
    }

    /// A workflow whose steps read what they need of an input of any shape themselves.
    public init(_ name: String, steps: [ContractStep], compensation: [ContractStep] = []) {
        self.name = name
        self.steps = steps
        self.compensation = compensation
        checkInput = { _ in }
    }

    /// The step (main or compensation) named `name`.
    func step(named name: String) -> ContractStep? {
        steps.first { $0.name == name } ?? compensation.first { $0.name == name }
    }
}

/// The workflows a process can run, by name.
public struct WorkflowContracts: Sendable {
    private var byName: [String: WorkflowContract] = [:]

    public init(_ contracts: [WorkflowContract] = []) {
        for contract in contracts { register(contract) }
    }

    public mutating func register(_ contract: WorkflowContract) {
        precondition(byName[contract.name] == nil, "workflow \(contract.name) declared twice")
        precondition(!contract.steps.isEmpty, "workflow \(contract.name) declares no steps")
        precondition(Set((contract.steps + contract.compensation).map(\.name)).count == contract.steps.count + contract.compensation.count,
                     "workflow \(contract.name) declares a step name twice")
        byName[contract.name] = contract
    }

    public var names: [String] { byName.keys.sorted() }

    public subscript(name: String) -> WorkflowContract? { byName[name] }

    /// Refuses `input` unless it is the input type of the workflow's contract.
    public func validateInput(_ input: JSONValue, for definition: WorkflowDefinition) throws(WorkflowInputError) {
        guard let contract = byName[definition.name] else {
            throw WorkflowInputError(message: "this ferry has no workflow \"\(definition.name)\"")
        }
        do {
            try contract.checkInput(input)
        } catch {
            throw WorkflowInputError(message: "the input does not fit workflow \"\(definition.name)\": \(error)")
        }
    }
}

extension StepContext {
    /// The run's input as its workflow's input type; a run whose input does not decode fails terminally.
    public func input<Input: Decodable>(as type: Input.Type) throws -> Input {
        do {
            return try input.decode(as: Input.self)
        } catch {
            throw StepFailure.terminal("the run's input is not a \(workflow) input: \(error)")
        }
    }

    /// The output a completed step of this run recorded; nil if that step has not completed.
    public func output<Output>(of step: StepKey<Output>) throws -> Output? {
        guard let recorded = outputs[step.name] else { return nil }
        do {
            return try recorded.decode(as: Output.self)
        } catch {
            throw StepFailure.terminal("the recorded output of step \(step.name) cannot be read: \(error)")
        }
    }

    /// The output of a step that must have completed before this one.
    public func required<Output>(_ step: StepKey<Output>) throws -> Output {
        guard let output = try output(of: step) else {
            throw StepFailure.terminal("step \(stepName) needs the output of step \(step.name), which has not completed")
        }
        return output
    }
}

extension [StepCheckpoint] {
    /// The output a run's checkpoint of `step` recorded, read as the contract declares it; nil if the run has
    /// no checkpoint of that step.
    public func output<Output>(of step: StepKey<Output>) throws -> Output? {
        try last { $0.stepName == step.name }.map { try $0.output.decode(as: Output.self) }
    }
}
