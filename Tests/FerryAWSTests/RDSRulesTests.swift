import Testing
import FerryAWS

@Suite struct RDSRulesTests {
    @Test(arguments: [("available", SnapshotPhase.available), ("creating", .inProgress), ("copying", .inProgress),
                      ("pending", .inProgress), ("some-new-status", .inProgress), ("failed", .failed),
                      ("incompatible-restore", .failed), ("incompatible-parameters", .failed), ("deleting", .failed), ("deleted", .failed)])
    func snapshotPhases(status: String, expected: SnapshotPhase) {
        #expect(SnapshotPhase(status: status) == expected)
    }

    @Test(arguments: ["ferry-db1-202611251200", "a", "A1-b2", String(repeating: "a", count: 255)])
    func validSnapshotIdentifiers(identifier: String) {
        #expect(RDSIdentifier.isValidSnapshot(identifier))
    }

    @Test(arguments: ["", "1db", "-db", "db-", "db--1", "db_1", "db.1", "dé", String(repeating: "a", count: 256)])
    func invalidSnapshotIdentifiers(identifier: String) {
        #expect(!RDSIdentifier.isValidSnapshot(identifier))
    }

    @Test func clusterSnapshotsAndInstancesStopAt63() {
        #expect(RDSIdentifier.isValidClusterSnapshot(String(repeating: "c", count: 63)))
        #expect(!RDSIdentifier.isValidClusterSnapshot(String(repeating: "c", count: 64)))
        #expect(!RDSIdentifier.isValidInstance(String(repeating: "i", count: 64)))
    }
}
