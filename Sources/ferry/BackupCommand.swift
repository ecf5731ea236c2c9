import ArgumentParser
import FerryDR
import FerryEngine
import Foundation

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Starts a backup cycle now for protected databases (all of them, or those named), outside their schedules."
    )

    @Argument(help: ArgumentHelp("Protected databases (default: every protected database).", valueName: "database"))
    var databases: [String] = []

    @Flag(help: "One JSON document: {\"runs\": [{\"database\", \"run_id\", \"outcome\"}]}.")
    var json = false

    @OptionGroup var actor: ActorOption
    @OptionGroup var config: ConfigOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var workflows: WorkflowOptions

    struct Started: Encodable {
        var database: String
        var runId: String
        /// created, existing (this minute's cycle had already started) or skipped (a cycle is in flight).
        var outcome: String

        enum CodingKeys: String, CodingKey {
            case database, outcome
            case runId = "run_id"
        }
    }

    func run() throws {
        try reportingErrors {
            let runtime = try config.runtime()
            let store = try database.store()
            let catalog = try workflows.catalog()
            let selection = try runtime.selectDatabases()
            let selected = databases.isEmpty
                ? selection.protected
                : try databases.map { try runtime.protectedDatabase($0, in: selection) }
            let now = Date()
            let started = try selected.map { protected in
                let outcome = try runtime.startBackupCycle(of: protected, scheduledFor: now, store: store, catalog: catalog, actor: actor.actor)
                let word = switch outcome {
                case .created: "created"
                case .existing: "existing"
                case .skipped: "skipped"
                }
                return Started(database: protected.database.identifier, runId: outcome.runID.lowercasedString, outcome: word)
            }
            if json {
                try Output.printJSON(["runs": started])
            } else {
                Output.printTable(header: ["DATABASE", "RUN", "OUTCOME"], rows: started.map { [$0.database, $0.runId, $0.outcome] })
            }
        }
    }
}
