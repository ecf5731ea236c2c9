public import Yams

/// One problem found in a YAML file, with where it is: `file:line: path: message`.
public struct YAMLProblem: Sendable, Hashable, CustomStringConvertible {
    /// The file (or other source name) the document came from.
    public var file: String
    /// The 1-based line of the offending node; `nil` when the problem is not tied to a line.
    public var line: Int?
    /// The key path inside the document, e.g. `steps[2].retry.max_attempts`; empty for the document itself.
    public var path: String
    public var message: String

    public init(file: String, line: Int?, path: String, message: String) {
        self.file = file
        self.line = line
        self.path = path
        self.message = message
    }

    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        return path.isEmpty ? "\(location): \(message)" : "\(location): \(path): \(message)"
    }
}

/// Every problem found in one YAML file, reported together, one a line.
public struct YAMLProblems: Error, Sendable, Hashable, CustomStringConvertible {
    public var problems: [YAMLProblem]

    public init(problems: [YAMLProblem]) {
        self.problems = problems
    }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// A location in the document, written the way problems show it: `databases[2].restore.multi_az`.
/// A key that is not a plain word is quoted: `snapshot_tags["aws:owner"]`.
public struct YAMLPath: Sendable, Hashable, CustomStringConvertible {
    public private(set) var description = ""

    public init() {}

    public func key(_ key: String) -> YAMLPath {
        let plain = !key.isEmpty && key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
        var path = self
        path.description = plain ? (description.isEmpty ? key : "\(description).\(key)") : description + "[\"\(key)\"]"
        return path
    }

    public func index(_ index: Int) -> YAMLPath {
        var path = self
        path.description = "\(description)[\(index)]"
        return path
    }
}

/// The entries of one YAML mapping whose keys were all checked against the allowed set.
public struct YAMLMapping {
    public let node: Node
    public let path: YAMLPath
    /// In document order.
    public let entries: [(key: String, value: Node)]

    public subscript(key: String) -> Node? {
        entries.first { $0.key == key }?.value
    }
}

/// Walks a composed YAML tree and collects every problem instead of stopping at the first. Each reading
/// method returns `nil` after reporting when the node is not what was expected, so that callers go on
/// checking the rest of the document. Workflow definitions and the DR configuration both read with it.
public final class YAMLReader {
    public let file: String
    public private(set) var problems: [YAMLProblem] = []

    public init(file: String) {
        self.file = file
    }

    /// Composes `text`. A syntax error becomes a problem with its line; an empty document, the problem
    /// `emptyMessage` without one.
    public func compose(_ text: String, ifEmpty emptyMessage: String = "the file is empty") -> Node? {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                report(emptyMessage, at: YAMLPath(), node: nil)
                return nil
            }
            return node
        } catch {
            switch error as? YamlError {
            case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
                 .composer(let context, let problem, let mark, _):
                report(line: mark.line, "invalid YAML: \(context.map { "\($0.text): " } ?? "")\(problem)")
            case .duplicatedKeysInMapping(let duplicates, let context):
                report(line: context.mark.line, "duplicate key \(duplicates.sorted().joined(separator: ", "))")
            default:
                report(line: nil, "invalid YAML: \(error)")
            }
            return nil
        }
    }

    public func report(_ message: String, at path: YAMLPath, node: Node?) {
        problems.append(YAMLProblem(file: file, line: node?.mark?.line, path: path.description, message: message))
    }

    private func report(line: Int?, _ message: String) {
        problems.append(YAMLProblem(file: file, line: line, path: "", message: message))
    }

    /// Every problem reported so far, in file order (problems without a line first).
    public var problemsInFileOrder: YAMLProblems {
        let ordered = problems.enumerated().sorted { ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset) }
        return YAMLProblems(problems: ordered.map(\.element))
    }

    /// Throws every problem reported so far, in file order, if any.
    public func throwIfProblems() throws(YAMLProblems) {
        if !problems.isEmpty { throw problemsInFileOrder }
    }

    /// A mapping whose keys must be among `allowedKeys`; each other key is reported as unknown.
    public func mapping(_ node: Node, at path: YAMLPath, allowedKeys: Set<String>) -> YAMLMapping? {
        guard let entries = anyMapping(node, at: path) else { return nil }
        let known = entries.filter { entry in
            guard allowedKeys.contains(entry.key) else {
                let expected = allowedKeys.sorted().joined(separator: ", ")
                report("unknown key (expected one of: \(expected))", at: path.key(entry.key), node: entry.value)
                return false
            }
            return true
        }
        return YAMLMapping(node: node, path: path, entries: known)
    }

    /// A mapping with keys of the user's choosing (tags, option group names).
    public func anyMapping(_ node: Node, at path: YAMLPath) -> [(key: String, value: Node)]? {
        guard case .mapping(let mapping) = node else {
            report("expected a mapping, found \(kindName(node))", at: path, node: node)
            return nil
        }
        return mapping.compactMap { key, value in
            guard let name = key.scalar?.string, !key.isNull else {
                report("keys must be plain strings", at: path, node: key)
                return nil
            }
            return (name, value)
        }
    }

    /// The value of a key that must be present.
    public func required(_ key: String, in mapping: YAMLMapping) -> Node? {
        guard let value = mapping[key] else {
            report("missing required key \"\(key)\"", at: mapping.path, node: mapping.node)
            return nil
        }
        return value
    }

    public func sequence(_ node: Node, at path: YAMLPath) -> [Node]? {
        guard case .sequence(let sequence) = node else {
            report("expected a list, found \(kindName(node))", at: path, node: node)
            return nil
        }
        return Array(sequence)
    }

    public func string(_ node: Node, at path: YAMLPath) -> String? {
        guard case .scalar(let scalar) = node, !node.isNull else {
            report("expected a string, found \(kindName(node))", at: path, node: node)
            return nil
        }
        return scalar.string
    }

    public func int(_ node: Node, at path: YAMLPath, in range: ClosedRange<Int>) -> Int? {
        guard let text = string(node, at: path) else { return nil }
        guard let value = Int(text) else {
            report("\"\(text)\": expected a whole number", at: path, node: node)
            return nil
        }
        guard range.contains(value) else {
            report("\(value): must be \(range.lowerBound)-\(range.upperBound)", at: path, node: node)
            return nil
        }
        return value
    }

    public func double(_ node: Node, at path: YAMLPath, minimum: Double) -> Double? {
        guard let text = string(node, at: path) else { return nil }
        guard let value = Double(text), value.isFinite, value >= minimum else {
            report("\"\(text)\": must be a number of at least \(minimum)", at: path, node: node)
            return nil
        }
        return value
    }

    public func bool(_ node: Node, at path: YAMLPath) -> Bool? {
        guard let text = string(node, at: path) else { return nil }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default:
            report("\"\(text)\": expected true or false", at: path, node: node)
            return nil
        }
    }

    /// A duration such as `30s`, `5m`, `2h`, `7d` or `500ms` (every `DurationText` form), in seconds;
    /// refused outside `bounds`.
    public func duration(_ node: Node, at path: YAMLPath, in bounds: ClosedRange<Double>) -> Double? {
        value(node, at: path) { text throws(DurationTextError) in try DurationText.parse(text, bounds: bounds) }
    }

    /// A string turned into a value by `parse`; a rejection is reported as `"<text>": <reason>`.
    public func value<Value, Failure: Error & CustomStringConvertible>(
        _ node: Node,
        at path: YAMLPath,
        _ parse: (String) throws(Failure) -> Value
    ) -> Value? {
        guard let text = string(node, at: path) else { return nil }
        do {
            return try parse(text)
        } catch {
            report("\"\(text)\": \(error)", at: path, node: node)
            return nil
        }
    }

    /// A list of strings, each turned into a value by `parse`.
    public func values<Value, Failure: Error & CustomStringConvertible>(
        _ node: Node,
        at path: YAMLPath,
        _ parse: (String) throws(Failure) -> Value
    ) -> [Value]? {
        guard let items = sequence(node, at: path) else { return nil }
        let values = items.enumerated().compactMap { index, item in value(item, at: path.index(index), parse) }
        return values.count == items.count ? values : nil
    }

    private func kindName(_ node: Node) -> String {
        switch node {
        case .scalar where node.isNull: "nothing (null)"
        case .scalar(let scalar): "the scalar \"\(scalar.string)\""
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}

private extension Node {
    /// `key:` with nothing after it, `~` or `null`.
    var isNull: Bool { tag.rawValue == Tag.Name.null.rawValue }
}
