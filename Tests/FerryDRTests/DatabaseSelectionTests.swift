import Foundation
import Testing
@testable import FerryDR

@Suite struct DatabaseSelectionTests {
    static func settings(prefix: String) throws -> DatabaseSettings {
        DatabaseSettings(
            schedule: CronSchedule(try CronExpression(parsing: "@daily"), timeZone: .gmt),
            retention: RetentionRule(days: 7), snapshotPrefix: prefix
        )
    }

    @Test(arguments: [
        (DatabaseSelector.Matcher.identifier("orders-db"), "orders-db", [:], true),
        (.identifier("orders-db"), "Orders-DB", [:], true),
        (.identifier("orders-db"), "orders-db-2", [:], false),
        (.pattern("orders-*"), "orders-db", [:], true),
        (.pattern("orders-*"), "orders-", [:], true),
        (.pattern("orders-*"), "orders", [:], false),
        (.pattern("*-db"), "billing-db", [:], true),
        (.pattern("a*b*c"), "axxbyyc", [:], true),
        (.pattern("a*b*c"), "axxbyy", [:], false),
        (.pattern("db-?"), "db-1", [:], true),
        (.pattern("db-?"), "db-12", [:], false),
        (.pattern("*"), "anything", [:], true),
        (.tagged(["dr": "true"]), "x", ["dr": "true", "team": "a"], true),
        (.tagged(["dr": "true"]), "x", ["dr": "True"], false),
        (.tagged(["dr": "true", "tier": "gold"]), "x", ["dr": "true"], false),
    ] as [(DatabaseSelector.Matcher, String, [String: String], Bool)])
    func matching(matcher: DatabaseSelector.Matcher, identifier: String, tags: [String: String], matches: Bool) {
        let database = DiscoveredDatabase(kind: .instance, identifier: identifier, tags: tags)
        #expect(DatabaseSelector(matcher: matcher).matches(database) == matches)
    }

    @Test func kindLimitsASelector() {
        let selector = DatabaseSelector(kind: .cluster, matcher: .pattern("*"))
        #expect(selector.matches(DiscoveredDatabase(kind: .cluster, identifier: "a")))
        #expect(!selector.matches(DiscoveredDatabase(kind: .instance, identifier: "a")))
    }

    @Test func theFirstMatchingEntryWinsAndNamedDatabasesThatAreGoneAreReported() throws {
        let rules = [
            ProtectionRule(selector: DatabaseSelector(kind: .instance, matcher: .identifier("orders-db")), settings: try Self.settings(prefix: "first")),
            ProtectionRule(selector: DatabaseSelector(matcher: .tagged(["dr": "true"])), settings: try Self.settings(prefix: "second")),
            ProtectionRule(selector: DatabaseSelector(matcher: .pattern("orders-*")), settings: try Self.settings(prefix: "third")),
            ProtectionRule(selector: DatabaseSelector(matcher: .identifier("legacy-db")), settings: try Self.settings(prefix: "fourth")),
        ]
        let discovered = [
            DiscoveredDatabase(kind: .instance, identifier: "orders-db", tags: ["dr": "true"]),
            DiscoveredDatabase(kind: .cluster, identifier: "orders-archive", tags: ["dr": "true"]),
            DiscoveredDatabase(kind: .instance, identifier: "orders-new"),
            DiscoveredDatabase(kind: .instance, identifier: "scratch"),
        ]
        let selection = DatabaseSelection(rules: rules, discovered: discovered)
        #expect(selection.protected.map(\.database.identifier) == ["orders-db", "orders-archive", "orders-new"])
        #expect(selection.protected.map(\.ruleIndex) == [0, 1, 2])
        #expect(selection.protected.map(\.settings.snapshotPrefix) == ["first", "second", "third"])
        #expect(selection.missing == [MissingDatabase(ruleIndex: 3, kind: nil, identifier: "legacy-db")])
    }
}
