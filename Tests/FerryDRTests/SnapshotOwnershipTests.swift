import Foundation
import Testing
@testable import FerryDR

/// Ownership by identity: the verdict on a DR snapshot from what RDS answers and what Ferry recorded, as a
/// table of cases. The end-to-end cases (an operator's copy, a recreated snapshot, a rebuilt catalog) are in
/// SnapshotOwnershipIntegrationTests.
@Suite struct SnapshotOwnershipTests {
    static let run = UUID(uuidString: "0F3A2B1C-0000-4000-8000-0000000000AA")!
    static let created = Date(timeIntervalSince1970: 1_795_000_000.123_456)
    static let identifier = "ferry-orders-db-202611250300"
    static let arn = "arn:aws:rds:us-west-2:123456789012:snapshot:\(identifier)"
    static let recorded = RecordedCopy(database: "orders-db", snapshotID: identifier, snapshotARN: arn, created: .at(created))

    /// A snapshot as RDS answers it, with Ferry's tags naming `run` unless told otherwise.
    static func snapshot(identifier: String = identifier, arn: String = arn, created: Date? = created,
                         tags: [String: String] = [:]) -> SnapshotRecord {
        SnapshotRecord(identifier: identifier, arn: arn, status: "available", createdAt: created, tags: [
            FerryTags.managed: "true", FerryTags.sourceDatabase: "orders-db", FerryTags.runID: run.uuidString.lowercased(),
        ].merging(tags) { $1 })
    }

    static func verdict(_ snapshot: SnapshotRecord, _ runs: [UUID: RecordedRun]) -> OwnershipVerdict {
        SnapshotOwnership(database: "orders-db", runs: runs).verdict(on: snapshot)
    }

    @Test func theSnapshotTheRunRecordedIsFerrys() {
        #expect(Self.verdict(Self.snapshot(), [Self.run: RecordedRun(finished: true, copy: Self.recorded)]) == .ferrys)
        // A millisecond-precision answer (AWS's) of an instant recorded to the microsecond.
        let aws = Date(timeIntervalSince1970: 1_795_000_000.123)
        let recorded = RecordedCopy(database: "orders-db", snapshotID: Self.identifier, snapshotARN: Self.arn, created: .at(aws))
        #expect(Self.verdict(Self.snapshot(created: aws), [Self.run: RecordedRun(finished: true, copy: recorded)]) == .ferrys)
    }

    @Test(arguments: [
        ("an operator's copy under another name (CopyTags)", snapshot(identifier: "legal-hold-orders-db",
                                                                      arn: "arn:aws:rds:us-west-2:123456789012:snapshot:legal-hold-orders-db")),
        ("recreated by a person under Ferry's name: a second later", snapshot(created: created.addingTimeInterval(1))),
        ("recreated by a person under Ferry's name: a millisecond later", snapshot(created: created.addingTimeInterval(0.001))),
        ("the same name in another account or region", snapshot(arn: "arn:aws:rds:us-west-2:999999999999:snapshot:\(identifier)")),
        ("no creation time", snapshot(created: nil)),
        ("a run-id tag that is no UUID", snapshot(tags: [FerryTags.runID: "earlier"])),
        ("no run-id tag", snapshot(tags: [FerryTags.runID: ""])),
        ("a run Ferry has no record of", snapshot(tags: [FerryTags.runID: UUID().uuidString.lowercased()])),
    ])
    func tagsWithoutTheRecordAreCopiedTags(_ case: String, _ snapshot: SnapshotRecord) {
        #expect(Self.verdict(snapshot, [Self.run: RecordedRun(finished: true, copy: Self.recorded)]) == .copiedTags, "\(`case`)")
    }

    @Test func theRecordMustBeOfThisDatabase() {
        let other = RecordedCopy(database: "billing-db", snapshotID: Self.identifier, snapshotARN: Self.arn, created: .at(Self.created))
        #expect(Self.verdict(Self.snapshot(), [Self.run: RecordedRun(finished: true, copy: other)]) == .copiedTags)
    }

    @Test func withoutFerrysTagsForThisDatabaseItIsNotTaggedAsFerrys() {
        let records = [Self.run: RecordedRun(finished: true, copy: Self.recorded)]
        #expect(Self.verdict(Self.snapshot(tags: [FerryTags.managed: "false"]), records) == .notTaggedAsFerrys)
        #expect(Self.verdict(Self.snapshot(tags: [FerryTags.sourceDatabase: "billing-db"]), records) == .notTaggedAsFerrys)
    }

    @Test func aRunThatHasNotRecordedItsCopyYetIsNotItsOwnerYet() {
        #expect(Self.verdict(Self.snapshot(), [Self.run: RecordedRun(finished: false, copy: nil)]) == .notRecordedYet(run: Self.run))
        // A run that ended without recording a copy never will.
        #expect(Self.verdict(Self.snapshot(), [Self.run: RecordedRun(finished: true, copy: nil)]) == .copiedTags)
    }

    /// Copies recorded before migration dr 7 have a window instead of a time.
    @Test func aBackfilledWindowProvesOnlyWhatWasCreatedWithinIt() {
        let window = RecordedCopy(database: "orders-db", snapshotID: Self.identifier, snapshotARN: Self.arn,
                                  created: .within(Self.created.addingTimeInterval(-600)...Self.created.addingTimeInterval(600)))
        let records = [Self.run: RecordedRun(finished: true, copy: window)]
        #expect(Self.verdict(Self.snapshot(), records) == .ferrys)
        #expect(Self.verdict(Self.snapshot(created: Self.created.addingTimeInterval(601)), records) == .copiedTags)
        #expect(Self.verdict(Self.snapshot(created: Self.created.addingTimeInterval(-86_400)), records) == .copiedTags)
    }

    @Test func theRunsToReadAreThoseFerrysTagsOfThisDatabaseName() {
        let other = UUID()
        let snapshots = [
            Self.snapshot(), Self.snapshot(identifier: "second"),
            Self.snapshot(tags: [FerryTags.runID: "earlier"]),
            Self.snapshot(tags: [FerryTags.sourceDatabase: "billing-db", FerryTags.runID: other.uuidString]),
        ]
        #expect(SnapshotOwnership.namedRuns(in: snapshots, database: "orders-db") == [Self.run])
    }
}
