import FerryPostgres
import Foundation

/// What a phase of the benchmark cost: the database's cumulative counters, the CPU time of the server's
/// processes and of the client processes (the workers or pgbench), read before and after.
struct Counters {
    var commits: Int64
    var walRecords: Int64
    var walFullPages: Int64
    var walBytes: Int64
    var walWrites: Int64
    var walSyncs: Int64
    var serverCPU: Double
    var clientCPU: Double

    /// Reads the counters once the backends of the phase's clients are gone (a backend reports its
    /// statistics as it exits) and this backend has flushed its own.
    static func read(_ connection: PostgresConnection) throws -> Counters {
        while try connection.query("""
            SELECT count(*) AS clients FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
            """).first!.decode("clients", as: Int.self) > 0 {
            Thread.sleep(forTimeInterval: 0.02)
        }
        try connection.execute("SELECT pg_stat_force_next_flush()")
        try connection.execute("SELECT pg_stat_clear_snapshot()")
        let row = try connection.query("""
            SELECT d.xact_commit, w.wal_records, w.wal_fpi, w.wal_bytes::bigint AS wal_bytes, w.wal_write, w.wal_sync,
                pg_backend_pid() AS backend
            FROM pg_stat_database d, pg_stat_wal w WHERE d.datname = current_database()
            """).first!
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
        return Counters(
            commits: try row.decode("xact_commit"), walRecords: try row.decode("wal_records"),
            walFullPages: try row.decode("wal_fpi"), walBytes: try row.decode("wal_bytes"),
            walWrites: try row.decode("wal_write"), walSyncs: try row.decode("wal_sync"),
            serverCPU: serverCPUSeconds(backend: try row.decode("backend")),
            clientCPU: usage.ru_utime.seconds + usage.ru_stime.seconds
        )
    }

    static func - (after: Counters, before: Counters) -> Counters {
        Counters(
            commits: after.commits - before.commits, walRecords: after.walRecords - before.walRecords,
            walFullPages: after.walFullPages - before.walFullPages, walBytes: after.walBytes - before.walBytes,
            walWrites: after.walWrites - before.walWrites, walSyncs: after.walSyncs - before.walSyncs,
            serverCPU: after.serverCPU - before.serverCPU, clientCPU: after.clientCPU - before.clientCPU
        )
    }

    /// User and system CPU of the whole (local) PostgreSQL server: the postmaster with the backends it
    /// has reaped, and every process it still runs.
    private static func serverCPUSeconds(backend: Int32) -> Double {
        guard let postmaster = ProcessStat(pid: backend)?.parent, let main = ProcessStat(pid: postmaster) else { return 0 }
        let children = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        let live = children.compactMap { Int32($0) }.compactMap { ProcessStat(pid: $0) }.filter { $0.parent == postmaster }
        return main.ticks + main.reapedChildrenTicks + live.reduce(0) { $0 + $1.ticks }
    }
}

/// The fields of `/proc/<pid>/stat` the benchmark reads, CPU times in seconds.
private struct ProcessStat {
    var parent: Int32
    var ticks: Double
    var reapedChildrenTicks: Double

    init?(pid: Int32) {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // After "pid (comm)": state ppid … utime(14) stime(15) cutime(16) cstime(17), counted from 1.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 15, let parent = Int32(fields[1]) else { return nil }
        let hertz = Double(sysconf(Int32(_SC_CLK_TCK)))
        func seconds(_ index: Int) -> Double { (Double(fields[index]) ?? 0) / hertz }
        self.parent = parent
        ticks = seconds(11) + seconds(12)
        reapedChildrenTicks = seconds(13) + seconds(14)
    }
}

extension timeval {
    var seconds: Double { Double(tv_sec) + Double(tv_usec) / 1e6 }
}
