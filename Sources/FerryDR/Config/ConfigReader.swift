import Yams

/// A location in the document, written the way problems show it: `databases[2].restore.multi_az`.
struct ConfigPath: Sendable, Hashable, CustomStringConvertible {
    private(set) var description = ""

    func key(_ key: String) -> ConfigPath {
        let plain = !key.isEmpty && key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
        if !plain { return ConfigPath(description: description + "[\"\(key)\"]") }
        return ConfigPath(description: description.isEmpty ? key : "\(description).\(key)")
    }

    func index(_ index: Int) -> ConfigPath {
        ConfigPath(description: "\(description)[\(index)]")
    }
}

/// The entries of one YAML mapping whose keys were all checked against the allowed set.
struct ConfigMapping {
    let node: Node
    let path: ConfigPath
    /// In document order.
    let entries: [(key: String, value: Node)]

    subscript(key: String) -> Node? {
        entries.first { $0.key == key }?.value
    }
}

/// Walks a composed YAML tree and collects every problem instead of stopping at the first. Each reading
/// method returns `nil` after reporting when the node is not what was expected, so that callers go on
/// checking the rest of the document.
final class ConfigReader {
    let source: String
    private(set) var problems: [ConfigProblem] = []

    init(source: String) {
        self.source = source
    }

    func report(_ message: String, at path: ConfigPath, node: Node?) {
        problems.append(ConfigProblem(source: source, line: node?.mark?.line, path: path.description, message: message))
    }

    /// A mapping whose keys must be among `allowedKeys`; each other key is reported as unknown.
    func mapping(_ node: Node, at path: ConfigPath, allowedKeys: Set<String>) -> ConfigMapping? {
        guard let entries = anyMapping(node, at: path) else { return nil }
        let known = entries.filter { entry in
            guard allowedKeys.contains(entry.key) else {
                let expected = allowedKeys.sorted().joined(separator: ", ")
                report("unknown key (expected one of: \(expected))", at: path.key(entry.key), node: entry.value)
                return false
            }
            return true
        }
        return ConfigMapping(node: node, path: path, entries: known)
    }

    /// A mapping with keys of the user's choosing (tags, option group names).
    func anyMapping(_ node: Node, at path: ConfigPath) -> [(key: String, value: Node)]? {
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
    func required(_ key: String, in mapping: ConfigMapping) -> Node? {
        guard let value = mapping[key] else {
            report("missing required key \"\(key)\"", at: mapping.path, node: mapping.node)
            return nil
        }
        return value
    }

    func sequence(_ node: Node, at path: ConfigPath) -> [Node]? {
        guard case .sequence(let sequence) = node else {
            report("expected a list, found \(kindName(node))", at: path, node: node)
            return nil
        }
        return Array(sequence)
    }

    func string(_ node: Node, at path: ConfigPath) -> String? {
        guard case .scalar(let scalar) = node, !node.isNull else {
            report("expected a string, found \(kindName(node))", at: path, node: node)
            return nil
        }
        return scalar.string
    }

    func int(_ node: Node, at path: ConfigPath, in range: ClosedRange<Int>) -> Int? {
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

    func bool(_ node: Node, at path: ConfigPath) -> Bool? {
        guard let text = string(node, at: path) else { return nil }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default:
            report("\"\(text)\": expected true or false", at: path, node: node)
            return nil
        }
    }

    /// A string turned into a value by `parse`; a rejection is reported as `"<text>": <reason>`.
    func value<Value, Failure: Error & CustomStringConvertible>(
        _ node: Node,
        at path: ConfigPath,
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
    func values<Value, Failure: Error & CustomStringConvertible>(
        _ node: Node,
        at path: ConfigPath,
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
