import ArgumentParser
import FerryDR
import FerryEngine
import Foundation

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Shows each database's newest restore point, its age against the RPO, the last drill's RTO, the last cycle and the next fire, and the copy pools.",
        discussion: """
            Reads Ferry's database only (never the primary region): the databases with restore points in the \
            catalog and those with a backup schedule. With --verify, each database's newest restore point is \
            checked in the DR region; one that is gone is marked deleted and the one before it is checked.
            """
    )

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Flag(help: "Check in the DR region that each database's newest restore point exists and is available (one call per restore point checked).")
    var verify = false

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
            let reader = StatusReader(connection: store.connection, rules: runtime.config.databases)
            let statuses = try reader.statuses(now: Date(), describe: verify ? { try runtime.drSnapshotStatus(of: $0) } : nil)
            let pools = try store.semaphores()
            if json {
                try Output.printJSON(Report(databases: statuses, copyPools: pools))
                return
            }
            let header = ["DATABASE", "KIND", "NEWEST RESTORE POINT"] + (verify ? ["VERIFIED"] : [])
                + ["AGE", "RPO", "RTO (LAST DRILL)", "LAST CYCLE", "DURATION", "NEXT FIRE"]
            Output.printTable(header: header, rows: statuses.map(row))
            if verify {
                let findings = statuses.flatMap { status in
                    (status.missingRestorePoints ?? []).map {
                        "\(status.database): restore point \($0) is gone from the DR region (marked deleted in the catalog)"
                    } + (status.unavailableRestorePoints ?? []).map {
                        "\(status.database): restore point \($0.snapshotId) is \($0.status), not available (passed over)"
                    }
                }
                if !findings.isEmpty {
                    print("")
                    findings.forEach { print($0) }
                }
            }
            if !pools.isEmpty {
                print("")
                Output.printTable(header: ["COPY POOL", "IN USE", "WAITING"], rows: pools.map { pool in
                    [pool.name, "\(pool.inUse) of \(pool.permits)", String(pool.waiting)]
                })
            }
        }
    }

    /// One database's row of the table.
    private func row(_ status: DatabaseStatus) -> [String] {
        var cells = [status.database, status.kind, status.newestSnapshotId ?? "none"]
        if verify { cells.append(status.newestSnapshotVerified == true ? "available" : "NONE AVAILABLE") }
        cells.append(status.ageSeconds.map(Self.minutes) ?? "-")
        cells.append(status.rpoSeconds.map { DurationText.format($0) + (status.rpoBreached ? " BREACHED" : " ok") } ?? "-")
        if let drill = status.lastDrill {
            let rto = drill.rtoSeconds.map { DurationText.format($0.rounded()) } ?? "?"
            cells.append("\(rto) at \(Output.timestamp(drill.finishedAt))")
        } else {
            cells.append("no drill")
        }
        cells.append(status.lastCycle.map { "\($0.status) \($0.runId)" } ?? "none")
        cells.append(status.lastCycle?.durationSeconds.map { DurationText.format($0.rounded()) } ?? "-")
        cells.append(Output.timestamp(status.nextFireAt))
        return cells
    }

    private static func minutes(_ seconds: Double) -> String {
        DurationText.format((seconds / 60).rounded() * 60)
    }
}
