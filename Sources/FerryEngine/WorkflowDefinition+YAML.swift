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
        guard let root = reader.compose(source), let document = reader.mapping(root, path: "") else {
            try reader.throwIfProblems()
            preconditionFailure("compose reported nothing but returned no mapping")
        }
        document.refuseUnknownKeys(["name", "description", "defaults", "steps"])
        let name = document.required("name").flatMap { reader.string($0, path: "name") }
        if let name, name.range(of: #"^[a-z][a-z0-9-]{0,62}$"#, options: .regularExpression) == nil {
            reader.report(document.value("name"), path: "name", "\"\(name)\" must be lower-case letters, digits and hyphens, starting with a letter")
        }
        let description = document.value("description").flatMap { reader.string($0, path: "description") } ?? ""

        var defaults = StepDefaults()
        if let node = document.value("defaults"), let mapping = reader.mapping(node, path: "defaults") {
            mapping.refuseUnknownKeys(["retry", "poll", "timeout"])
            defaults = StepDefaults.read(mapping, reader: reader, inheriting: defaults)
        }

        var steps: [StepDefinition] = []
        if let node = document.required("steps"), let list = reader.sequence(node, path: "steps") {
            if list.isEmpty { reader.report(node, path: "steps", "a workflow needs at least one step") }
            for (index, stepNode) in list.enumerated() {
                let path = "steps[\(index)]"
                guard let mapping = reader.mapping(stepNode, path: path) else { continue }
                if let step = readStep(mapping, reader: reader, defaults: defaults, knownActions: knownActions) {
                    if steps.contains(where: { $0.name == step.name }) {
                        reader.report(mapping.value("name"), path: "\(path).name", "\"\(step.name)\" is already the name of an earlier step")
                    }
                    steps.append(step)
                }
            }
        }
        try reader.throwIfProblems()
        return WorkflowDefinition(
            name: name!, description: description, steps: steps,
            version: SHA256.hexDigest(of: source), source: source
        )
    }

    private static func readStep(
        _ mapping: YAMLMapping, reader: YAMLReader, defaults: StepDefaults, knownActions: Set<String>
    ) -> StepDefinition? {
        mapping.refuseUnknownKeys(["name", "action", "retry", "poll", "timeout", "repeat"])
        let name = mapping.required("name").flatMap { reader.string($0, path: mapping.childPath("name")) }
        if let name, name.range(of: #"^[a-z][a-z0-9_]{0,62}$"#, options: .regularExpression) == nil {
            reader.report(mapping.value("name"), path: mapping.childPath("name"),
                          "\"\(name)\" must be lower-case letters, digits and underscores, starting with a letter")
        }
        let action = mapping.required("action").flatMap { reader.string($0, path: mapping.childPath("action")) }
        if let action, !knownActions.contains(action) {
            reader.report(mapping.value("action"), path: mapping.childPath("action"),
                          "unknown action \"\(action)\" (known: \(knownActions.sorted().joined(separator: ", ")))")
        }
        let settings = StepDefaults.read(mapping, reader: reader, inheriting: defaults)
        var repeatCountInput: String?
        if let node = mapping.value("repeat"), let text = reader.string(node, path: mapping.childPath("repeat")) {
            if text.hasPrefix("input."), text.count > 6 {
                repeatCountInput = String(text.dropFirst(6))
            } else {
                reader.report(node, path: mapping.childPath("repeat"), "\"\(text)\" must name an input field, as input.FIELD")
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
    var retry = RetryPolicy.standard
    var poll = PollPolicy.standard
    var timeout: Double?

    static func read(_ mapping: YAMLMapping, reader: YAMLReader, inheriting base: StepDefaults) -> StepDefaults {
        var settings = base
        if let node = mapping.value("retry"), let retry = reader.mapping(node, path: mapping.childPath("retry")) {
            retry.refuseUnknownKeys(["max_attempts", "initial_backoff", "max_backoff", "multiplier"])
            if let node = retry.value("max_attempts") {
                settings.retry.maxAttempts = reader.int(node, path: retry.childPath("max_attempts"), range: 1...1000) ?? base.retry.maxAttempts
            }
            if let node = retry.value("initial_backoff") {
                settings.retry.initialBackoff = reader.duration(node, path: retry.childPath("initial_backoff")) ?? base.retry.initialBackoff
            }
            if let node = retry.value("max_backoff") {
                settings.retry.maxBackoff = reader.duration(node, path: retry.childPath("max_backoff")) ?? base.retry.maxBackoff
            }
            if let node = retry.value("multiplier") {
                settings.retry.multiplier = reader.double(node, path: retry.childPath("multiplier"), minimum: 1) ?? base.retry.multiplier
            }
            if settings.retry.maxBackoff < settings.retry.initialBackoff {
                reader.report(node, path: retry.childPath("max_backoff"), "must not be shorter than initial_backoff")
            }
        }
        if let node = mapping.value("poll"), let poll = reader.mapping(node, path: mapping.childPath("poll")) {
            poll.refuseUnknownKeys(["initial_interval", "max_interval", "multiplier"])
            if let node = poll.value("initial_interval") {
                settings.poll.initialInterval = reader.duration(node, path: poll.childPath("initial_interval")) ?? base.poll.initialInterval
            }
            if let node = poll.value("max_interval") {
                settings.poll.maxInterval = reader.duration(node, path: poll.childPath("max_interval")) ?? base.poll.maxInterval
            }
            if let node = poll.value("multiplier") {
                settings.poll.multiplier = reader.double(node, path: poll.childPath("multiplier"), minimum: 1) ?? base.poll.multiplier
            }
            if settings.poll.maxInterval < settings.poll.initialInterval {
                reader.report(node, path: poll.childPath("max_interval"), "must not be shorter than initial_interval")
            }
        }
        if let node = mapping.value("timeout") {
            settings.timeout = reader.duration(node, path: mapping.childPath("timeout")) ?? base.timeout
        }
        return settings
    }
}
