/// One thing wrong with a configuration file, located by the key path and the line it is on.
public struct ConfigProblem: Sendable, Hashable, CustomStringConvertible {
    /// The file (or other source name) the configuration came from.
    public var source: String
    /// The 1-based line of the offending node; `nil` when the problem is not tied to a line.
    public var line: Int?
    /// Where in the document, e.g. `databases[2].schedule`; empty for the document itself.
    public var path: String
    public var message: String

    public init(source: String, line: Int?, path: String, message: String) {
        self.source = source
        self.line = line
        self.path = path
        self.message = message
    }

    /// `file:line: path: message`.
    public var description: String {
        let location = line.map { "\(source):\($0)" } ?? source
        return path.isEmpty ? "\(location): \(message)" : "\(location): \(path): \(message)"
    }
}

/// Every problem found in a configuration file. Validation never stops at the first one.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public var problems: [ConfigProblem]

    public init(problems: [ConfigProblem]) {
        self.problems = problems
    }

    /// One problem per line, in file order.
    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
