public import Yams

/// One problem found in a YAML file, with where it is.
public struct YAMLProblem: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    /// The key path inside the document, e.g. `steps[2].retry.max_attempts`.
    public var path: String
    public var message: String

    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        return path.isEmpty ? "\(location): \(message)" : "\(location): \(path): \(message)"
    }
}

/// Every problem found in one YAML file, reported together.
public struct YAMLProblems: Error, CustomStringConvertible {
    public var problems: [YAMLProblem]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// Reads a composed YAML document field by field, collecting every problem instead of stopping at the
/// first, and refusing keys it was not asked about.
public final class YAMLReader {
    public let file: String
    public private(set) var problems: [YAMLProblem] = []

    public init(file: String) {
        self.file = file
    }

    /// Composes `text`; a syntax error becomes a problem with its line.
    public func compose(_ text: String) -> Node? {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                report(path: "", line: 1, "the file is empty")
                return nil
            }
            return node
        } catch let error as YamlError {
            report(path: "", line: Self.line(of: error), "not valid YAML: \(Self.problem(of: error))")
        } catch {
            report(path: "", line: nil, "not valid YAML: \(error)")
        }
        return nil
    }

    public func report(_ node: Node?, path: String, _ message: String) {
        report(path: path, line: node?.mark?.line, message)
    }

    public func report(path: String, line: Int?, _ message: String) {
        problems.append(YAMLProblem(file: file, line: line, path: path, message: message))
    }

    /// Throws every problem reported so far, if any.
    public func throwIfProblems() throws(YAMLProblems) {
        if !problems.isEmpty { throw YAMLProblems(problems: problems) }
    }

    /// The node's mapping; reports and returns nil when it is something else.
    public func mapping(_ node: Node, path: String) -> YAMLMapping? {
        guard let mapping = node.mapping else {
            report(node, path: path, "expected a mapping of keys to values")
            return nil
        }
        return YAMLMapping(reader: self, mapping: mapping, node: node, path: path)
    }

    public func sequence(_ node: Node, path: String) -> [Node]? {
        guard let sequence = node.sequence else {
            report(node, path: path, "expected a list")
            return nil
        }
        return Array(sequence)
    }

    public func string(_ node: Node, path: String) -> String? {
        guard let scalar = node.scalar else {
            report(node, path: path, "expected a single value")
            return nil
        }
        return scalar.string
    }

    public func int(_ node: Node, path: String, range: ClosedRange<Int>) -> Int? {
        guard let text = string(node, path: path) else { return nil }
        guard let value = Int(text) else {
            report(node, path: path, "\"\(text)\" is not a whole number")
            return nil
        }
        guard range.contains(value) else {
            report(node, path: path, "\(value) must be \(range.lowerBound)-\(range.upperBound)")
            return nil
        }
        return value
    }

    public func double(_ node: Node, path: String, minimum: Double) -> Double? {
        guard let text = string(node, path: path) else { return nil }
        guard let value = Double(text), value.isFinite, value >= minimum else {
            report(node, path: path, "\"\(text)\" must be a number of at least \(minimum)")
            return nil
        }
        return value
    }

    public func bool(_ node: Node, path: String) -> Bool? {
        guard let text = string(node, path: path) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default:
            report(node, path: path, "\"\(text)\" must be true or false")
            return nil
        }
    }

    /// A duration such as `30s`, `5m`, `2h`, `7d`, in seconds.
    public func duration(_ node: Node, path: String) -> Double? {
        guard let text = string(node, path: path) else { return nil }
        do {
            return try DurationText.parse(text)
        } catch {
            report(node, path: path, "\"\(text)\": \(error)")
            return nil
        }
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        case .duplicatedKeysInMapping(_, let context): context.mark.line
        default: nil
        }
    }

    private static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _), .composer(let context, let problem, _, _):
            [context?.text, problem].compactMap { $0 }.joined(separator: ": ")
        case .duplicatedKeysInMapping(let duplicates, _):
            "duplicated keys \(duplicates.joined(separator: ", "))"
        default:
            "\(error)"
        }
    }
}

/// A mapping being read: every key must be taken by `value(_:)` or `required(_:)` before `finish()`,
/// which reports the rest as unknown.
public struct YAMLMapping {
    let reader: YAMLReader
    let mapping: Node.Mapping
    public let node: Node
    public let path: String

    public func childPath(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    public var keys: [String] { mapping.keys.compactMap(\.string) }

    public func value(_ key: String) -> Node? {
        mapping[key]
    }

    public func required(_ key: String) -> Node? {
        guard let value = mapping[key] else {
            reader.report(node, path: path, "missing required key \"\(key)\"")
            return nil
        }
        return value
    }

    /// Reports every key that is not one of `known`.
    public func refuseUnknownKeys(_ known: Set<String>) {
        for key in mapping.keys {
            let name = key.string ?? "?"
            if !known.contains(name) {
                reader.report(key, path: childPath(name), "unknown key (expected one of: \(known.sorted().joined(separator: ", ")))")
            }
        }
    }
}
