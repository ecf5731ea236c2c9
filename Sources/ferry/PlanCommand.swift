import ArgumentParser
import FerryDR
import Foundation

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Shows what the next backup cycle would do — databases, identifiers, KMS key, retention deletions — changing nothing."
    )

    @Argument(help: ArgumentHelp("Protected databases to plan (default: all).", valueName: "database"))
    var databases: [String] = []

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @OptionGroup var config: ConfigOptions
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try reportingErrors {
            let plan = try config.runtime().planCycle(databases: databases, now: Date(), records: try database.connect())
            if json {
                try Output.printJSON(plan)
                return
            }
            print("primary region \(plan.primaryRegion) → DR region \(plan.drRegion)")
            if plan.databasesFrom == .ferryDatabase {
                print("the primary region does not answer: these are the databases Ferry's records know (schedules and restore points)")
            }
            for database in plan.databases {
                print("\n\(database.database) (\(database.kind)), next fire \(Output.timestamp(database.nextFireAt))")
                print("  snapshot \(database.snapshotId) → copy \(database.copyId), \(database.copyEncryption)")
                for (source, target) in database.optionGroupMapping.sorted(by: { $0.key < $1.key }) {
                    print("  option group \(source) → \(target)")
                }
                for decision in database.retention.delete {
                    print("  delete \(decision.snapshotId): \(decision.reason)")
                }
                for decision in database.retention.keep {
                    print("  keep   \(decision.snapshotId): \(decision.reason)")
                }
            }
            for missing in plan.missing {
                print("\nconfigured but not found: \(missing.kind.map { "\($0) " } ?? "")\(missing.identifier)")
            }
        }
    }
}
