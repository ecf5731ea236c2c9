import ArgumentParser
import FerryEngine
import Foundation
import FerryPrimitives

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Prints the audit log: who did what to which run, and when."
    )

    @Option(name: .customLong("run"), help: "Only this run's events.")
    var runID: String?

    @Option(help: "Only events at or after this time (ISO 8601, e.g. 2026-11-01T00:00:00Z).")
    var since: String?

    @Option(help: "At most this many events.")
    var limit: Int = 1000

    @Flag(help: "One JSON document: {\"events\": [...]}.")
    var json = false

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if let since, ISO8601.parse(since) == nil {
            throw ValidationError("--since must be an ISO 8601 time such as 2026-11-01T00:00:00Z")
        }
        guard (1...1_000_000).contains(limit) else { throw ValidationError("--limit must be 1-1000000") }
    }

    func run() throws {
        try reportingErrors {
            // No event predates 1970; an earlier --since (0001-01-01, which the database cannot take in the
            // proleptic calendar Foundation writes) means "from the beginning".
            let sinceDate = since.flatMap(ISO8601.parse).map { max($0, Date(timeIntervalSince1970: 0)) }
            let events = try database.store().events(runID: try runID.map(parseRunID), since: sinceDate, limit: limit)
            if json {
                try Output.printJSON(["events": events])
                return
            }
            Output.printTable(header: ["TIME", "RUN", "EVENT", "STEP", "ACTOR", "DETAIL"], rows: events.map { event in
                [Output.timestamp(event.occurredAt), event.runId ?? "-", event.kind,
                 event.stepName ?? "-", event.actor, event.detail.jsonText]
            })
        }
    }
}
