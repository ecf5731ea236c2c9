import ArgumentParser
import FerryDR
import FerryEngine
import Foundation

struct CatalogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "Lists the restore points a DR restore can use, and rebuilds them from the DR region.",
        subcommands: [List.self, Rebuild.self]
    )

    /// A restore point as `ferry catalog list --json` prints it.
    struct Listing: Encodable {
        var database: String
        var kind: String
        var drRegion: String
        var snapshotId: String
        var snapshotArn: String
        var takenAt: Date
        var ageSeconds: Double
        var runId: String?
        var recordedBy: String
        var source: SourceSettings

        enum CodingKeys: String, CodingKey {
            case database, kind
            case drRegion = "dr_region"
            case snapshotId = "snapshot_id"
            case snapshotArn = "snapshot_arn"
            case takenAt = "taken_at"
            case ageSeconds = "age_seconds"
            case runId = "run_id"
            case recordedBy = "recorded_by"
            case source
        }

        init(_ entry: CatalogEntry, now: Date) {
            database = entry.point.database
            kind = entry.point.kind.rawValue
            drRegion = entry.point.drRegion
            snapshotId = entry.point.snapshotID
            snapshotArn = entry.point.snapshotARN
            takenAt = entry.point.takenAt
            ageSeconds = entry.age(at: now).rounded()
            runId = entry.point.runID
            recordedBy = entry.recordedBy
            source = entry.point.source
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lists the restore points (newest first per database), from Ferry's database only.")

        @Argument(help: "Only this database's restore points.")
        var databaseName: String?

        @Flag(help: "One JSON document: {\"restore_points\": [...]}.")
        var json = false

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            try reportingErrors {
                let now = Date()
                let entries = try RestorePointCatalog(connection: try database.connect()).entries(database: databaseName)
                let listings = entries.map { Listing($0, now: now) }
                if json {
                    try Output.printJSON(["restore_points": listings])
                    return
                }
                Output.printTable(header: ["DATABASE", "KIND", "RESTORE POINT", "TAKEN", "AGE", "CLASS", "ENGINE", "RECORDED BY"],
                                  rows: listings.map { listing in
                    [listing.database, listing.kind, listing.snapshotId, Output.timestamp(listing.takenAt),
                     DurationText.format((listing.ageSeconds / 60).rounded() * 60),
                     listing.source.instanceClass ?? "-", [listing.source.engine, listing.source.engineVersion].compactMap { $0 }.joined(separator: " "),
                     listing.recordedBy]
                })
            }
        }
    }

    struct Rebuild: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Records the restore points that Ferry's DR snapshots carry in their tags (reads the DR region only).",
            discussion: "For a new, empty Ferry database after the old one was lost: run `ferry migrate`, then this. Restore points already known are left as they are.")

        @OptionGroup var config: ConfigOptions
        @OptionGroup var database: DatabaseOptions

        func run() throws {
            try reportingErrors {
                let runtime = try config.runtime()
                let result = try runtime.rebuildCatalog(into: RestorePointCatalog(connection: try database.connect()))
                print("read \(result.snapshots) of Ferry's snapshots in \(runtime.config.drRegion.name): \(result.found) restore points, \(result.added) new")
            }
        }
    }
}
