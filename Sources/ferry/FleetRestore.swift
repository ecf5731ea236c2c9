import ArgumentParser
import FerryDR
import FerryEngine
import Foundation

/// `ferry restore --all` (or several names): the runbook command for a regional disaster. Plans every
/// restore from the catalog first and reports what cannot be restored as configured, starts the others
/// (each restore holds a permit of the semaphore `restores/<dr region>`, so that `parallel` restore at once),
/// follows them to the end and prints a summary. Exit status 1 if any database was not restored.
struct FleetRestore {
    var options: RestoreRunOptions
    var parallel: Int
    var json: Bool

    /// A database's outcome, as the summary prints it; JSON field names are snake_case.
    struct Outcome: Encodable {
        var database: String
        var runId: String?
        var status: String
        var targetId: String?
        var endpoint: String?
        var dataTakenAt: Date?
        var dataAgeSeconds: Double?
        var restoreSeconds: Double?
        var error: String?

        enum CodingKeys: String, CodingKey {
            case database
            case runId = "run_id"
            case status
            case targetId = "target_id"
            case endpoint
            case dataTakenAt = "data_taken_at"
            case dataAgeSeconds = "data_age_seconds"
            case restoreSeconds = "restore_seconds"
            case error
        }
    }

    func run(_ names: [String]?) throws {
        let runtime = try options.config.runtime()
        let store = try options.database.store()
        let catalog = RestorePointCatalog(connection: store.connection)
        let databases = try names ?? catalog.newestByDatabase().keys.sorted()
        guard !databases.isEmpty else { throw FailureExit(message: "the catalog has no restore point (ferry catalog rebuild reads them from the DR region)") }
        let workflows = try options.workflows.catalog()
        let pool = (name: "restores/\(runtime.config.drRegion.name)", permits: parallel)
        var outcomes: [String: Outcome] = [:]
        var runs: [String: UUID] = [:]
        for database in databases {
            do {
                let plan = try runtime.restorePlan(of: database, snapshotID: nil, catalog: catalog)
                for note in plan.spec?.notes ?? [] { log("note: \(database): \(note)") }
                switch try runtime.startRestore(plan, targetID: nil, drill: false, store: store, catalog: workflows, pool: pool,
                                                actor: options.actor.actor) {
                case .created(let run), .existing(let run):
                    runs[database] = run
                case .skipped(let inFlight):
                    outcomes[database] = Outcome(database: database, runId: inFlight.lowercasedString, status: "skipped",
                                                 error: "a restore to the same identifier is in flight")
                }
            } catch {
                outcomes[database] = Outcome(database: database, status: "not started", error: "\(error)")
                log("\(error)")
            }
        }
        log("restoring \(runs.count) of \(databases.count) databases, \(parallel) at a time")
        var reported: Set<String> = []
        while true {
            var unfinished = 0
            for (database, runID) in runs.sorted(by: { $0.key < $1.key }) where !reported.contains(database) {
                guard let run = try store.run(id: runID) else { continue }
                guard run.status.isFinished else {
                    unfinished += 1
                    continue
                }
                reported.insert(database)
                let outcome = try Self.outcome(database, run: run, store: store)
                outcomes[database] = outcome
                log("\(database): \(outcome.status)\(outcome.endpoint.map { " at \($0)" } ?? "")\(outcome.error.map { ": \($0)" } ?? "")")
            }
            if unfinished == 0 { break }
            Thread.sleep(forTimeInterval: 1)
        }
        let summary = databases.compactMap { outcomes[$0] }
        if json {
            try Output.printJSON(["restores": summary])
        } else {
            Output.printTable(header: ["DATABASE", "STATUS", "RESTORED AS", "ENDPOINT", "DATA AGE", "RESTORE TIME", "RUN"], rows: summary.map { outcome in
                [outcome.database, outcome.status, outcome.targetId ?? "-", outcome.endpoint ?? "-",
                 outcome.dataAgeSeconds.map { DurationText.format(($0 / 60).rounded() * 60) } ?? "-",
                 outcome.restoreSeconds.map { DurationText.format($0) } ?? "-", outcome.runId ?? "-"]
            })
        }
        let restored = summary.filter { $0.status == RunStatus.succeeded.rawValue }.count
        guard restored == databases.count else {
            throw FailureExit(message: "\(databases.count - restored) of \(databases.count) databases were not restored (see above)")
        }
    }

    /// What became of a finished restore run, from its checkpoints.
    static func outcome(_ database: String, run: RunSummary, store: RunStore) throws -> Outcome {
        guard let runID = UUID(uuidString: run.id) else { throw FailureExit(message: "run id \(run.id) is not a UUID") }
        let checkpoints = try store.checkpoints(runID: runID)
        let restored = try checkpoints.output(of: RestoreWorkflow.awaitRestore)
        let taken = try checkpoints.output(of: RestoreWorkflow.chooseSnapshot)?.takenAt
        return Outcome(
            database: database, runId: run.id, status: run.status.rawValue, targetId: restored?.targetID,
            endpoint: restored?.endpoint, dataTakenAt: taken,
            dataAgeSeconds: taken.map { (run.finishedAt ?? Date()).timeIntervalSince($0).rounded() },
            restoreSeconds: restored?.restoreSeconds, error: run.lastError)
    }

    private func log(_ line: String) {
        FileHandle.standardError.write(Data("ferry: \(line.escapingControlCharacters)\n".utf8))
    }
}
