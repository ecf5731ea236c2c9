import Foundation
import Yams

extension WorkflowDefinition {
    /// Loads a definition, refusing it with every problem (file, line, reason) if it is malformed or names an
    /// action that `knownActions` does not contain.
    public static func load(path: String, knownActions: Set<String>) throws -> WorkflowDefinition {
        let source: String
        do {
            source = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw YAMLProblems(problems: [YAMLProblem(file: path, line: nil, path: "", message: "cannot read the file")])
        }
        return try parse(source: source, file: path, knownActions: knownActions)
    }

    public static func parse(source: String, file: String, knownActions: Set<String>) throws(YAMLProblems) -> WorkflowDefinition {
        let reader = YAMLReader(file: file)
        let root = YAMLPath()
        guard let node = reader.compose(source),
              let document = reader.mapping(node, at: root, allowedKeys: ["name", "description", "defaults", "steps", "compensation"])
        else {
            try reader.throwIfProblems()
            preconditionFailure("compose reported nothing but returned no mapping")
        }
        let name = reader.required("name", in: document).flatMap { reader.string($0, at: root.key("name")) }
        if let name, name.range(of: #"^[a-z][a-z0-9-]{0,62}$"#, options: .regularExpression) == nil {
            reader.report("\"\(name)\" must be lower-case letters, digits and hyphens, starting with a letter",
                          at: root.key("name"), node: document["name"])
        }
        let description = document["description"].flatMap { reader.string($0, at: root.key("description")) } ?? ""

        var defaults = StepDefaults()
        if let node = document["defaults"],
           let mapping = reader.mapping(node, at: root.key("defaults"), allowedKeys: ["retry", "poll", "timeout"]) {
            defaults = StepDefaults.read(mapping, reader: reader, inheriting: defaults)
        }

        var steps: [StepDefinition] = []
        if let node = reader.required("steps", in: document), let list = reader.sequence(node, at: root.key("steps")) {
            if list.isEmpty { reader.report("a workflow needs at least one step", at: root.key("steps"), node: node) }
            for (index, stepNode) in list.enumerated() {
                let path = root.key("steps").index(index)
                let keys: Set<String> = ["name", "action", "retry", "poll", "timeout", "repeat"]
                guard let mapping = reader.mapping(stepNode, at: path, allowedKeys: keys) else { continue }
                if let step = readStep(mapping, reader: reader, defaults: defaults, knownActions: knownActions) {
                    if steps.contains(where: { $0.name == step.name }) {
                        reader.report("\"\(step.name)\" is already the name of an earlier step", at: path.key("name"), node: mapping["name"])
                    }
                    steps.append(step)
                }
            }
        }
        var compensation: [CompensationStep] = []
        var compensationNames: Set<String> = []
        if let node = document["compensation"], let list = reader.sequence(node, at: root.key("compensation")) {
            for (index, undoNode) in list.enumerated() {
                let path = root.key("compensation").index(index)
                let keys: Set<String> = ["name", "action", "retry", "poll", "timeout", "from", "through"]
                guard let mapping = reader.mapping(undoNode, at: path, allowedKeys: keys) else { continue }
                // The step and its range are read and checked apart, so that every problem of both is reported.
                let step = readStep(mapping, reader: reader, defaults: defaults, knownActions: knownActions)
                if let name = step?.name {
                    if steps.contains(where: { $0.name == name }) || compensationNames.contains(name) {
                        reader.report("\"\(name)\" is already the name of a step", at: path.key("name"), node: mapping["name"])
                    }
                    compensationNames.insert(name)
                }
                if let undo = readCompensation(mapping, step: step, steps: steps, reader: reader) {
                    compensation.append(undo)
                }
            }
        }
        try reader.throwIfProblems()
        return WorkflowDefinition(
            name: name!, description: description, steps: steps, compensation: compensation,
            version: SHA256.hexDigest(of: source), source: source
        )
    }

    /// A compensation step: a step (name, action, policies; read by the caller) with the range of steps whose
    /// stop it undoes. Both ends are checked, whatever is wrong with either or with the step.
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

    private static func readStep(
        _ mapping: YAMLMapping, reader: YAMLReader, defaults: StepDefaults, knownActions: Set<String>
    ) -> StepDefinition? {
        let path = mapping.path
        let name = reader.required("name", in: mapping).flatMap { reader.string($0, at: path.key("name")) }
        if let name, name.range(of: #"^[a-z][a-z0-9_]{0,62}$"#, options: .regularExpression) == nil {
            reader.report("\"\(name)\" must be lower-case letters, digits and underscores, starting with a letter",
                          at: path.key("name"), node: mapping["name"])
        }
        let action = reader.required("action", in: mapping).flatMap { reader.string($0, at: path.key("action")) }
        if let action, !knownActions.contains(action) {
            reader.report("unknown action \"\(action)\" (known: \(knownActions.sorted().joined(separator: ", ")))",
                          at: path.key("action"), node: mapping["action"])
        }
        let settings = StepDefaults.read(mapping, reader: reader, inheriting: defaults)
        var repeatCountInput: String?
        if let node = mapping["repeat"], let text = reader.string(node, at: path.key("repeat")) {
            if text.hasPrefix("input."), text.count > 6 {
                repeatCountInput = String(text.dropFirst(6))
            } else {
                reader.report("\"\(text)\" must name an input field, as input.FIELD", at: path.key("repeat"), node: node)
            }
        }
        guard let name, let action else { return nil }
        return StepDefinition(
            name: name, action: action, retry: settings.retry, poll: settings.poll,
            timeout: settings.timeout, repeatCountInput: repeatCountInput
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
