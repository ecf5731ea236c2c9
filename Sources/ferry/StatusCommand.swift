import ArgumentParser
import FerryDR
import FerryEngine
import Foundation

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Shows each protected database's newest DR snapshot, its age against the RPO, the last cycle and the next fire, and the copy pools."
    )

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup var config: ConfigOptions
    @OptionGroup var database: DatabaseOptions

    struct Report: Encodable {
        var databases: [DatabaseStatus]
        /// The copy pools (and any other semaphore): permits in use and runs waiting for one.
        var copyPools: [SemaphoreUse]

        enum CodingKeys: String, CodingKey {
            case databases
            case copyPools = "copy_pools"
        }
    }

    func run() throws {
        try reportingErrors {
            let runtime = try config.runtime()
            let store = try database.store()
            let statuses = try RPOMonitor(connection: store.connection).statuses(of: try runtime.selectDatabases().protected, now: Date())
            let pools = try store.semaphores()
            if json {
                try Output.printJSON(Report(databases: statuses, copyPools: pools))
                return
            }
            Output.printTable(
                header: ["DATABASE", "KIND", "NEWEST DR SNAPSHOT", "AGE", "RPO", "LAST CYCLE", "DURATION", "NEXT FIRE"],
                rows: statuses.map { status in
                    [
                        status.database, status.kind, status.newestSnapshotId ?? "none",
                        status.ageSeconds.map(Self.minutes) ?? "-",
                        status.rpoSeconds.map { DurationText.format($0) + (status.rpoBreached ? " BREACHED" : " ok") } ?? "-",
                        status.lastCycle.map { "\($0.status) \($0.runId)" } ?? "none",
                        status.lastCycle?.durationSeconds.map { DurationText.format($0.rounded()) } ?? "-",
                        Output.timestamp(status.nextFireAt),
                    ]
                })
            if !pools.isEmpty {
                print("")
                Output.printTable(header: ["COPY POOL", "IN USE", "WAITING"], rows: pools.map { pool in
                    [pool.name, "\(pool.inUse) of \(pool.permits)", String(pool.waiting)]
                })
            }
        }
    }

    private static func minutes(_ seconds: Double) -> String {
        DurationText.format((seconds / 60).rounded() * 60)
    }
}
