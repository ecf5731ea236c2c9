/// An RDS DB instance or an Aurora DB cluster.
public enum DatabaseKind: String, Sendable, Hashable, CaseIterable, Codable {
    case instance
    case cluster

    /// The rules for this kind's identifier.
    public var identifierKind: RDSIdentifierKind {
        switch self {
        case .instance: .dbInstance
        case .cluster: .dbCluster
        }
    }

    /// The rules for identifiers of this kind's snapshots.
    public var snapshotIdentifierKind: RDSIdentifierKind {
        switch self {
        case .instance: .dbSnapshot
        case .cluster: .dbClusterSnapshot
        }
    }
}

/// A database found in the primary region at the start of a cycle.
public struct DiscoveredDatabase: Sendable, Hashable {
    public var kind: DatabaseKind
    /// As RDS returns it (lower-case).
    public var identifier: String
    public var tags: [String: String]
    /// Its settings as discovery read them, which its restore points record.
    public var source: SourceSettings?

    public init(kind: DatabaseKind, identifier: String, tags: [String: String] = [:], source: SourceSettings? = nil) {
        self.kind = kind
        self.identifier = identifier
        self.tags = tags
        self.source = source
    }
}

/// Which databases one `databases` entry protects.
public struct DatabaseSelector: Sendable, Hashable {
    public enum Matcher: Sendable, Hashable {
        /// Exactly this identifier (lower-case).
        case identifier(String)
        /// A glob over identifiers: `*` any run of characters, `?` one character; case-insensitive.
        case pattern(String)
        /// Every listed tag present with exactly this value.
        case tagged([String: String])
    }

    /// `nil`: instances and clusters alike.
    public var kind: DatabaseKind?
    public var matcher: Matcher

    public init(kind: DatabaseKind? = nil, matcher: Matcher) {
        self.kind = kind
        self.matcher = matcher
    }

    public func matches(_ database: DiscoveredDatabase) -> Bool {
        if let kind, kind != database.kind { return false }
        switch matcher {
        case .identifier(let identifier):
            return database.identifier.lowercased() == identifier
        case .pattern(let pattern):
            return Self.glob(Array(pattern.lowercased()), matches: Array(database.identifier.lowercased()))
        case .tagged(let tags):
            return tags.allSatisfy { database.tags[$0.key] == $0.value }
        }
    }

    /// Checks a glob pattern: the identifier alphabet plus `*` and `?`. Returns it lower-cased.
    public static func validatePattern(_ text: String) throws(InvalidValue) -> String {
        guard !text.isEmpty, text.count <= 255 else { throw InvalidValue("a pattern must be 1-255 characters") }
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-*?".contains($0)) }) else {
            throw InvalidValue("a pattern may contain only letters, digits, hyphens, * and ?")
        }
        return text.lowercased()
    }

    /// Iterative glob matching with backtracking to the last `*` (linear for patterns with one star).
    private static func glob(_ pattern: [Character], matches text: [Character]) -> Bool {
        var patternIndex = 0
        var textIndex = 0
        var lastStar: (pattern: Int, text: Int)?
        while textIndex < text.count {
            if patternIndex < pattern.count, pattern[patternIndex] == "?" || pattern[patternIndex] == text[textIndex] {
                patternIndex += 1
                textIndex += 1
            } else if patternIndex < pattern.count, pattern[patternIndex] == "*" {
                lastStar = (patternIndex, textIndex)
                patternIndex += 1
            } else if let star = lastStar {
                lastStar = (star.pattern, star.text + 1)
                patternIndex = star.pattern + 1
                textIndex = star.text + 1
            } else {
                return false
            }
        }
        return pattern[patternIndex...].allSatisfy { $0 == "*" }
    }
}

/// One `databases` entry: what it selects and the settings of what it selects.
public struct ProtectionRule: Sendable, Hashable {
    public var selector: DatabaseSelector
    public var settings: DatabaseSettings

    public init(selector: DatabaseSelector, settings: DatabaseSettings) {
        self.selector = selector
        self.settings = settings
    }
}
