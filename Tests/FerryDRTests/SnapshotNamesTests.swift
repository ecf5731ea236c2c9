import Foundation
import Testing
@testable import FerryDR

@Suite struct SnapshotNamesTests {
    static let fire = utc("2026-11-25T13:00:42Z")

    @Test(arguments: [
        ("ferry", "orders-db", DatabaseKind.instance, "ferry-orders-db-202611251300"),
        ("ferry", "Orders-DB", .instance, "ferry-orders-db-202611251300"),
        ("Nightly", "billing", .cluster, "nightly-billing-202611251300"),
        // 63 characters exactly: not shortened.
        ("ferry", String(repeating: "c", count: 43), .cluster, "ferry-" + String(repeating: "c", count: 43) + "-202611251300"),
    ])
    func names(prefix: String, database: String, kind: DatabaseKind, expected: String) {
        let names = SnapshotNames(prefix: prefix, database: database, kind: kind, scheduledFor: Self.fire)
        #expect(names.source == expected)
        #expect(names.drCopy == expected)
    }

    /// Every combination of the longest prefix and identifiers stays valid for its kind.
    @Test(arguments: DatabaseKind.allCases)
    func alwaysValid(kind: DatabaseKind) throws {
        for prefix in ["f", "ferry", String(repeating: "p", count: 20)] {
            for length in [1, 30, 43, 44, 50, 63] {
                // d, then b with a hyphen every third character, never last: a valid identifier.
                let database = String((0..<length).map { $0 == 0 ? "d" : ($0 % 3 == 0 && $0 != length - 1 ? "-" : "b") })
                let name = SnapshotNames(prefix: prefix, database: database, kind: kind, scheduledFor: Self.fire).source
                #expect(try RDSIdentifier.validate(name, as: kind.snapshotIdentifierKind) == name, "\(name)")
                #expect(name.hasSuffix("-202611251300"))
            }
        }
    }

    @Test func longClusterNamesAreShortenedWithAHashSoTheyDoNotCollide() {
        let base = String(repeating: "analytics-warehouse-", count: 3)
        let first = SnapshotNames(prefix: "ferry", database: base + "east", kind: .cluster, scheduledFor: Self.fire).source
        let second = SnapshotNames(prefix: "ferry", database: base + "west", kind: .cluster, scheduledFor: Self.fire).source
        #expect(first != second)
        #expect(first.count <= 63 && second.count <= 63)
        #expect(first.hasPrefix("ferry-analytics-warehouse-"))
        #expect(!first.contains("--"))
        // Stable across runs and machines.
        #expect(first == SnapshotNames(prefix: "ferry", database: base + "east", kind: .cluster, scheduledFor: Self.fire).source)
        #expect(SnapshotNames.fnv1a32Hex("") == "811c9dc5")
        #expect(SnapshotNames.fnv1a32Hex("a") == "e40c292c")
        // The same database as an instance keeps its whole name.
        let instance = SnapshotNames(prefix: "ferry", database: base + "east", kind: .instance, scheduledFor: Self.fire).source
        #expect(instance == "ferry-\(base)east-202611251300")
    }

    @Test func tagsCarryTheTruth() throws {
        let tags = FerryTags.snapshotTags(
            runID: "run-42", database: "Orders-DB", sourceRegion: try AWSRegion(validating: "us-east-1"),
            scheduledFor: Self.fire, userTags: ["team": "platform", "ferry:managed": "false"]
        )
        #expect(tags == [
            "team": "platform", "ferry:managed": "true", "ferry:run-id": "run-42", "ferry:source-db": "orders-db",
            "ferry:source-region": "us-east-1", "ferry:scheduled-for": "2026-11-25T13:00Z",
        ])
        #expect(FerryTags.isManagedSnapshot(of: "orders-db", tags: tags))
        #expect(!FerryTags.isManagedSnapshot(of: "orders", tags: tags))
    }
}
