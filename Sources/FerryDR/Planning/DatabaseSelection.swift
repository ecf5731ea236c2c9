/// A database Ferry protects in this cycle, with the settings of the entry that selected it.
public struct ProtectedDatabase: Sendable, Hashable {
    public var database: DiscoveredDatabase
    public var settings: DatabaseSettings
    /// The index of that entry in `databases`.
    public var ruleIndex: Int

    public init(database: DiscoveredDatabase, settings: DatabaseSettings, ruleIndex: Int) {
        self.database = database
        self.settings = settings
        self.ruleIndex = ruleIndex
    }
}

/// An entry naming one database by identifier that was not discovered: deleted, renamed, or a typo.
/// Worth an alert: the operator believes it is protected.
public struct MissingDatabase: Sendable, Hashable {
    public var ruleIndex: Int
    public var kind: DatabaseKind?
    public var identifier: String

    public init(ruleIndex: Int, kind: DatabaseKind?, identifier: String) {
        self.ruleIndex = ruleIndex
        self.kind = kind
        self.identifier = identifier
    }
}

/// The configuration's selectors applied to the databases discovered at the start of a cycle.
public struct DatabaseSelection: Sendable, Hashable {
    /// In the order of `discovered`; each database at most once, with the settings of the FIRST entry
    /// (in file order) that matches it.
    public var protected: [ProtectedDatabase]
    public var missing: [MissingDatabase]
    /// The tag keys the `tagged` entries look at: what must be remembered of a database's tags to match it
    /// again later without discovering it (see `DRScheduler.definitions`).
    public var selectorTagKeys: Set<String>

    public init(rules: [ProtectionRule], discovered: [DiscoveredDatabase]) {
        selectorTagKeys = Set(rules.flatMap { rule -> [String] in
            guard case .tagged(let tags) = rule.selector.matcher else { return [] }
            return Array(tags.keys)
        })
        protected = discovered.compactMap { database in
            guard let index = rules.firstIndex(where: { $0.selector.matches(database) }) else { return nil }
            return ProtectedDatabase(database: database, settings: rules[index].settings, ruleIndex: index)
        }
        missing = rules.enumerated().compactMap { index, rule in
            guard case .identifier(let identifier) = rule.selector.matcher,
                  !discovered.contains(where: rule.selector.matches)
            else { return nil }
            return MissingDatabase(ruleIndex: index, kind: rule.selector.kind, identifier: identifier)
        }
    }

    /// The tags of `database` that some entry's selector looks at.
    public func selectorTags(of database: DiscoveredDatabase) -> [String: String] {
        database.tags.filter { selectorTagKeys.contains($0.key) }
    }
}
