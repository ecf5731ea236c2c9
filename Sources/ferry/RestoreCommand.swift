import ArgumentParser
import FerryDR
import FerryEngine
import Foundation

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restores databases in the DR region from their newest restore points, needing only the DR region and Ferry's database.",
        discussion: """
            One database: prints the run id, then each step as it completes. Several, or --all (every database the \
            catalog has restore points of): restores them in parallel, --parallel at a time, and prints a summary with \
            each database's new endpoint and the age of the data it came from. Settings that cannot be carried over are \
            reported before anything starts.
            """
    )

    @Argument(help: ArgumentHelp("The databases to restore (instance or Aurora cluster identifiers).", valueName: "database"))
    var databaseIdentifiers: [String] = []

    @Flag(help: "Restore every database the catalog has a restore point of.")
    var all = false

    @Option(help: "With one database: a DR snapshot of its restore points to restore instead of the newest.")
    var snapshot: String?

    @Option(name: .customLong("as"), help: "With one database: the restored database's identifier (default: DATABASE-dr).")
    var newIdentifier: String?

    @Option(help: "Restores in progress at once with several databases.")
    var parallel = 5

    @Flag(help: "With several databases: print the summary as JSON ({\"restores\": [...]}).")
    var json = false

    @OptionGroup var options: RestoreRunOptions

    func validate() throws {
        if all != databaseIdentifiers.isEmpty {
            throw ValidationError(all ? "give --all or database names, not both" : "give a database, several, or --all")
        }
        if (all || databaseIdentifiers.count > 1) && (snapshot != nil || newIdentifier != nil) {
            throw ValidationError("--snapshot and --as name one database's restore")
        }
        guard (1...100).contains(parallel) else { throw ValidationError("--parallel must be 1-100") }
    }

    func run() throws {
        try reportingErrors {
            if !all && databaseIdentifiers.count == 1 {
                try options.start(databaseIdentifiers[0], snapshotID: snapshot, targetID: newIdentifier, drill: false)
            } else {
                try FleetRestore(options: options, parallel: parallel, json: json).run(all ? nil : databaseIdentifiers)
            }
        }
    }
}

struct DrillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Restores a database to a temporary identifier, waits until it is available, deletes it, and records the restore time."
    )

    @Argument(help: ArgumentHelp("The protected database (instance or Aurora cluster identifier).", valueName: "database"))
    var databaseIdentifier: String

    @OptionGroup var options: RestoreRunOptions

    func run() throws {
        try reportingErrors {
            try options.start(databaseIdentifier, snapshotID: nil, targetID: nil, drill: true)
        }
    }
}

/// What `ferry restore` and `ferry drill` share: where things are, who acts, and whether to follow the run.
struct RestoreRunOptions: ParsableArguments {
    @Flag(help: "Print the run id and return without following the run.")
    var noFollow = false

    @OptionGroup var actor: ActorOption
    @OptionGroup var config: ConfigOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var workflows: WorkflowOptions

    func start(_ databaseIdentifier: String, snapshotID: String?, targetID: String?, drill: Bool) throws {
        // Everything below reads the catalog and the configuration: no call to the primary region.
        let runtime = try config.runtime()
        let store = try database.store()
        let plan = try runtime.restorePlan(of: databaseIdentifier, snapshotID: snapshotID, catalog: RestorePointCatalog(connection: store.connection))
        for note in plan.spec?.notes ?? [] { FileHandle.standardError.write(Data("ferry: note: \(databaseIdentifier): \(note)\n".utf8)) }
        let outcome = try runtime.startRestore(plan, targetID: targetID, drill: drill, store: store, catalog: try workflows.catalog(),
                                               actor: actor.actor)
        try RunFollower.report(outcome, store: store, follow: !noFollow)
    }
}

/// Prints a started run's id, then (when following) each step as it finishes, until the run ends.
enum RunFollower {
    static func report(_ outcome: StartOutcome, store: RunStore, follow: Bool) throws {
        switch outcome {
        case .created(let id), .existing(let id):
            print(id.lowercasedString)
            if follow { try self.follow(id, store: store) }
        case .skipped(let inFlight):
            throw FailureExit(message: "run \(inFlight.lowercasedString) is already restoring to that identifier (or drilling that database); see ferry runs show \(inFlight.lowercasedString)")
        }
    }

    static func follow(_ runID: UUID, store: RunStore) throws {
        var reported = 0
        var lastStatus = ""
        while true {
            guard let run = try store.run(id: runID) else { throw FailureExit(message: "run \(runID.lowercasedString) vanished") }
            for checkpoint in try store.checkpoints(runID: runID) where checkpoint.stepIndex >= reported {
                print("  ✓ \(checkpoint.stepName) \(checkpoint.output.jsonText)")
                reported = checkpoint.stepIndex + 1
            }
            let status = "\(run.status.rawValue)\(run.lastError.map { ": \($0.escapingControlCharacters)" } ?? "")"
            if status != lastStatus, !run.status.isFinished {
                print("  … \(status) (step \(run.stepIndex + 1) of \(run.stepCount), \(run.stepPolls) polls)")
                lastStatus = status
            }
            if run.status.isFinished {
                guard run.status == .succeeded else {
                    throw FailureExit(message: "run \(run.id) \(run.status.rawValue): \(run.lastError ?? "no error recorded")")
                }
                print("run \(run.id) succeeded")
                return
            }
            Thread.sleep(forTimeInterval: 1)
        }
    }
}
