import ArgumentParser
import FerryAWS
import FerryDR
import FerryEngine
import Foundation

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "Starts, lists, shows, cancels and resumes workflow runs.",
        subcommands: [Start.self, List.self, Show.self, Cancel.self, Resume.self]
    )

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Starts a run and prints its id.")

        @Argument(help: "The workflow's name (a file in the workflows folder).")
        var workflow: String

        @Option(help: "The run's input, a JSON object.")
        var input: String = "{}"

        @Option(help: "Idempotency key: a second start with the same key prints the existing run's id.")
        var key: String?

        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var workflows: WorkflowOptions

        func run() throws {
            try reportingErrors {
                let parsedInput: JSONValue
                do {
                    parsedInput = try JSONValue(parsing: input)
                } catch {
                    throw FailureExit(message: "--input: \(error)")
                }
                let catalog = try workflows.catalog()
                guard let definition = catalog.definition(named: workflow) else {
                    throw FailureExit(message: "no workflow \"\(workflow)\" (known: \(catalog.names.joined(separator: ", ")))")
                }
                // A run whose input is not its workflow's input type could only fail later: refuse it now.
                do {
                    try catalog.contracts.validateInput(parsedInput, for: definition)
                    _ = try definition.plan(input: parsedInput)
                } catch {
                    throw FailureExit(message: "--input: \(error)")
                }
                let outcome = try database.store().start(RunRequest(
                    definition: definition, input: parsedInput, idempotencyKey: key, actor: actor.actor))
                print(outcome.runID.uuidString.lowercased())
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists runs, newest first.")

        @Option(help: "Only runs in this status (pending, running, waiting, succeeded, failed, cancelled).")
        var status: String?

        @Option(help: "Only runs of this workflow.")
        var workflow: String?

        @Option(help: "At most this many runs.")
        var limit: Int = 50

        @Flag(help: "One JSON document: {\"runs\": [...]}.")
        var json = false

        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            if let status, RunStatus(rawValue: status) == nil {
                throw ValidationError("--status must be one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be 1-10000") }
        }

        func run() throws {
            try reportingErrors {
                let runs = try database.store().listRuns(RunFilter(
                    status: status.flatMap(RunStatus.init(rawValue:)), workflow: workflow, limit: limit))
                if json {
                    try Output.printJSON(["runs": runs])
                    return
                }
                Output.printTable(header: ["RUN", "WORKFLOW", "STATUS", "STEP", "CREATED", "ERROR"], rows: runs.map { run in
                    [run.id, run.workflow, run.status.rawValue, "\(run.stepIndex)/\(run.stepCount)",
                     Output.timestamp(run.createdAt), run.lastError.map { String($0.prefix(80)) } ?? ""]
                })
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Shows a run with each step's status, attempts, timings, output and error.")

        @Argument(help: "The run's id.")
        var runID: String

        @Flag(help: "One JSON document.")
        var json = false

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var workflows: WorkflowOptions

        func run() throws {
            try reportingErrors {
                let store = try database.store()
                let runID = try parseRunID(runID)
                guard let summary = try store.run(id: runID) else { throw FailureExit(message: "no run \(runID)") }
                let detail = try RunDetail.load(summary, runID: runID, store: store, catalog: try workflows.catalog())
                if json {
                    try Output.printJSON(detail)
                } else {
                    detail.printText()
                }
            }
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancels a run: a pending or waiting one at once, a running one at its next step boundary.")

        @Argument(help: "The run's id.")
        var runID: String

        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() throws {
            try reportingErrors {
                let status = try database.store().cancel(runID: try parseRunID(runID), actor: actor.actor)
                switch status {
                case .cancelled: print("cancelled \(runID)")
                case .running: print("cancel requested: \(runID) stops at its next step boundary")
                default: print("cancelling \(runID): undoing what it made first (ferry runs show \(runID))")
                }
            }
        }
    }

    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resumes a failed or cancelled run from the step that did not complete, with a fresh attempt budget.")

        @Argument(help: "The run's id.")
        var runID: String

        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() throws {
            try reportingErrors {
                try database.store().resume(runID: try parseRunID(runID), actor: actor.actor)
                print("resumed \(runID)")
            }
        }
    }
}

func parseRunID(_ text: String) throws -> UUID {
    guard let id = UUID(uuidString: text) else { throw FailureExit(message: "\"\(text)\" is not a run id (a UUID)") }
    return id
}
