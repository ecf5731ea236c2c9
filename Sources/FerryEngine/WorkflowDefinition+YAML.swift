import Foundation
import Yams
import FerryPrimitives

extension WorkflowDefinition {
    /// Loads a workflow file, refusing it with every problem (file, line, reason) if it is malformed or does
    /// not fit the contract of the workflow it names.
    public static func load(path: String, contracts: WorkflowContracts) throws -> WorkflowDefinition {
        let source: String
        do {
            source = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw YAMLProblems(problems: [YAMLProblem(file: path, line: nil, path: "", message: "cannot read the file")])
        }
        return try parse(source: source, file: path, contracts: contracts)
    }

    /// Reads a workflow's policies: `name` names a contract in `contracts`, `steps` gives each of its steps'
    /// policies in the contract's order, `compensation` each of its compensation steps' policies and range.
    ///
    /// `recorded` reads a definition a run was started under, from the database: one recorded before workflows
    /// had contracts also names each step's `action` and `repeat`, which the contract now declares; they are
    /// ignored there and refused anywhere else.
    public static func parse(
        source: String, file: String, contracts: WorkflowContracts, recorded: Bool = false
    ) throws(YAMLProblems) -> WorkflowDefinition {
        let reader = YAMLReader(file: file)
        let root = YAMLPath()
        guard let node = reader.compose(source),
              let document = reader.mapping(node, at: root, allowedKeys: ["name", "description", "defaults", "steps", "compensation"])
        else {
            try reader.throwIfProblems()
            preconditionFailure("compose reported nothing but returned no mapping")
        }
        let name = reader.required("name", in: document).flatMap { reader.string($0, at: root.key("name")) }
        var contract: WorkflowContract?
        if let name {
            contract = contracts[name]
            if contract == nil {
                reader.report("this ferry has no workflow \"\(name)\" (it has: \(contracts.names.joined(separator: ", ")))",
                              at: root.key("name"), node: document["name"])
            }
        }
        let description = document["description"].flatMap { reader.string($0, at: root.key("description")) } ?? ""

        var defaults = StepDefaults()
        if let node = document["defaults"],
           let mapping = reader.mapping(node, at: root.key("defaults"), allowedKeys: ["retry", "poll", "timeout"]) {
            defaults = StepDefaults.read(mapping, reader: reader, inheriting: defaults)
        }
        let legacyKeys: Set<String> = recorded ? ["action", "repeat"] : []

        let stepKeys: Set<String> = ["name", "retry", "poll", "timeout"]
        var steps: [StepDefinition] = []
        if let node = reader.required("steps", in: document), let list = reader.sequence(node, at: root.key("steps")) {
            for (index, stepNode) in list.enumerated() {
                let path = root.key("steps").index(index)
                guard let mapping = reader.mapping(stepNode, at: path, allowedKeys: stepKeys.union(legacyKeys)),
                      let step = readStep(mapping, declared: contract.map { ($0.name, $0.steps) }, reader: reader, defaults: defaults)
                else { continue }
                if steps.contains(where: { $0.name == step.name }) {
                    reader.report("\"\(step.name)\" is already the name of an earlier step", at: path.key("name"), node: mapping["name"])
                }
                steps.append(step)
            }
            // Checked once every entry named a declared step, so that each problem is reported once.
            if let contract, steps.count == list.count, steps.map(\.name) != contract.steps.map(\.name) {
                reader.report("must list the steps of workflow \(contract.name) in its order: \(contract.steps.map(\.name).joined(separator: ", "))",
                              at: root.key("steps"), node: node)
            }
        }
        var compensation: [CompensationStep] = []
        var compensationNode: Node?
        var everyCompensationStepNamed = true
        var compensationNames: [String] = []
        if let node = document["compensation"], let list = reader.sequence(node, at: root.key("compensation")) {
            compensationNode = node
            for (index, undoNode) in list.enumerated() {
                let path = root.key("compensation").index(index)
                let keys: Set<String> = ["name", "retry", "poll", "timeout", "from", "through"]
                guard let mapping = reader.mapping(undoNode, at: path, allowedKeys: keys.union(recorded ? ["action"] : [])) else {
                    everyCompensationStepNamed = false
                    continue
                }
                // The step and its range are read and checked apart, so that every problem of both is reported.
                let step = readStep(mapping, declared: contract.map { ($0.name, $0.compensation) }, reader: reader, defaults: defaults)
                if let name = step?.name {
                    if compensationNames.contains(name) {
                        reader.report("\"\(name)\" is already the name of a compensation step", at: path.key("name"), node: mapping["name"])
                    }
                    compensationNames.append(name)
                } else {
                    everyCompensationStepNamed = false
                }
                if let undo = readCompensation(mapping, step: step, steps: steps, reader: reader) {
                    compensation.append(undo)
                }
            }
        }
        if let contract, everyCompensationStepNamed {
            let missing = contract.compensation.map(\.name).filter { !compensationNames.contains($0) }
            if !missing.isEmpty {
                reader.report("workflow \(contract.name) undoes what it made with \(missing.joined(separator: ", ")): give each its range (from, through) under compensation",
                              at: root.key("compensation"), node: compensationNode ?? node)
            }
        }
        try reader.throwIfProblems()
        return WorkflowDefinition(
            name: name!, description: description, steps: steps, compensation: compensation,
            version: SHA256.hexDigest(of: source), source: source
        )
    }

    /// A compensation step (its name and policies, read by the caller) with the range of steps whose stop it
    /// undoes. Both ends are checked, whatever is wrong with either or with the step.
    private static func readCompensation(
        _ mapping: YAMLMapping, step: StepDefinition?, steps: [StepDefinition], reader: YAMLReader
    ) -> CompensationStep? {
        let path = mapping.path
        func stepIndex(_ key: String) -> Int?? {
            guard let node = mapping[key] else { return .some(nil) }
            guard let text = reader.string(node, at: path.key(key)) else { return nil }
            guard let index = steps.firstIndex(where: { $0.name == text }) else {
                reader.report("\"\(text)\" is not a step of this workflow (steps: \(steps.map(\.name).joined(separator: ", ")))",
                              at: path.key(key), node: node)
                return nil
            }
            return .some(index)
        }
        let hasFrom = reader.required("from", in: mapping) != nil
        let first = stepIndex("from")
        let last = stepIndex("through")
        guard hasFrom, case let from?? = first, case let through? = last else { return nil }
        if let through, through < from {
            reader.report("must not come before \"from\" (\(steps[from].name))", at: path.key("through"), node: mapping["through"])
        }
        guard let step else { return nil }
        return CompensationStep(step: step, from: steps[from].name, through: through.map { steps[$0].name })
    }

    /// A step's policies; its name must be one the contract `declared` (workflow name, its steps) declares.
    private static func readStep(
        _ mapping: YAMLMapping, declared: (workflow: String, steps: [ContractStep])?, reader: YAMLReader, defaults: StepDefaults
    ) -> StepDefinition? {
        let path = mapping.path
        let settings = StepDefaults.read(mapping, reader: reader, inheriting: defaults)
        guard let name = reader.required("name", in: mapping).flatMap({ reader.string($0, at: path.key("name")) }),
              let declared
        else { return nil }
        guard let step = declared.steps.first(where: { $0.name == name }) else {
            reader.report("\"\(name)\" is not a step of workflow \(declared.workflow) (it declares: \(declared.steps.map(\.name).joined(separator: ", ")))",
                          at: path.key("name"), node: mapping["name"])
            return nil
        }
        return StepDefinition(
            name: name, retry: settings.retry, poll: settings.poll, timeout: settings.timeout, repeatCountInput: step.repeatCountInput
        )
    }
}

/// Retry, poll and timeout settings, read from `defaults:` or a step, each inheriting what it omits.
private struct StepDefaults {
    /// A step's whole budget: at least a millisecond (`0s` would fail every step at once), at most 30 days.
    static let timeoutBounds: ClosedRange<Double> = 0.001...(30 * 86_400)
    /// A retry backoff or a poll interval: 1 ms to 1 day.
    static let intervalBounds: ClosedRange<Double> = 0.001...86_400

    var retry = StepRetryPolicy.standard
    var poll = StepPollPolicy.standard
    var timeout: Double?

    static func read(_ mapping: YAMLMapping, reader: YAMLReader, inheriting base: StepDefaults) -> StepDefaults {
        var settings = base
        let retryKeys: Set<String> = ["max_attempts", "initial_backoff", "max_backoff", "multiplier"]
        if let node = mapping["retry"], let retry = reader.mapping(node, at: mapping.path.key("retry"), allowedKeys: retryKeys) {
            let path = retry.path
            if let node = retry["max_attempts"] {
                settings.retry.maxAttempts = reader.int(node, at: path.key("max_attempts"), in: 1...1000) ?? base.retry.maxAttempts
            }
            if let node = retry["initial_backoff"] {
                settings.retry.initialBackoff = reader.duration(node, at: path.key("initial_backoff"), in: Self.intervalBounds) ?? base.retry.initialBackoff
            }
            if let node = retry["max_backoff"] {
                settings.retry.maxBackoff = reader.duration(node, at: path.key("max_backoff"), in: Self.intervalBounds) ?? base.retry.maxBackoff
            }
            if let node = retry["multiplier"] {
                settings.retry.multiplier = reader.double(node, at: path.key("multiplier"), minimum: 1) ?? base.retry.multiplier
            }
            if settings.retry.maxBackoff < settings.retry.initialBackoff {
                reader.report("must not be shorter than initial_backoff", at: path.key("max_backoff"), node: node)
            }
        }
        let pollKeys: Set<String> = ["initial_interval", "max_interval", "multiplier"]
        if let node = mapping["poll"], let poll = reader.mapping(node, at: mapping.path.key("poll"), allowedKeys: pollKeys) {
            let path = poll.path
            if let node = poll["initial_interval"] {
                settings.poll.initialInterval = reader.duration(node, at: path.key("initial_interval"), in: Self.intervalBounds) ?? base.poll.initialInterval
            }
            if let node = poll["max_interval"] {
                settings.poll.maxInterval = reader.duration(node, at: path.key("max_interval"), in: Self.intervalBounds) ?? base.poll.maxInterval
            }
            if let node = poll["multiplier"] {
                settings.poll.multiplier = reader.double(node, at: path.key("multiplier"), minimum: 1) ?? base.poll.multiplier
            }
            if settings.poll.maxInterval < settings.poll.initialInterval {
                reader.report("must not be shorter than initial_interval", at: path.key("max_interval"), node: node)
            }
        }
        if let node = mapping["timeout"] {
            settings.timeout = reader.duration(node, at: mapping.path.key("timeout"), in: Self.timeoutBounds) ?? base.timeout
        }
        return settings
    }
}
