import FerryDRSchema
import FerryEngine
import FerryPostgres
import FerryTestSupport
import Foundation
import Testing
@testable import FerryDR

/// `ferry worker --http-port --log-format json` as a platform team runs it: Prometheus scrapes `/metrics`,
/// Kubernetes probes `/healthz` and `/readyz`, a log pipeline parses the lines.
@Suite(.enabled(if: DRFixture.isAvailable, "\(DRFixture.skipMessage)"))
struct OperationsServerTests {
    func environment(_ fleet: DRFixture) -> [String: String] {
        ["FERRY_DATABASE_URL": fleet.databaseURL, "FERRY_WORKFLOWS": DRFixture.workflows, "FERRY_LOG_LEVEL": "info",
         "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_ENDPOINT_URL": DRFixture.endpoint!]
    }

    /// A cycle made by another worker shows as a restore-point age; a cycle the serving worker performs moves
    /// its counters, timers and AWS call counts; its log lines are JSON that name the run.
    @Test func metricsShowTheCyclesAndTheRecoveryPointsAndLogsAreJSON() throws {
        let fleet = try DRFixture()
        let database = "orders-\(fleet.suffix)"
        try fleet.makeInstance(database)
        let protected = try fleet.runtime.protectedDatabase(database)
        let first = try fleet.runtime.startBackupCycle(of: protected, scheduledFor: Date(), store: fleet.store, catalog: fleet.catalog, actor: "test").runID
        let other = try fleet.startWorkers(1)
        #expect(try fleet.waitForRuns([first]))
        other.forEach { #expect(FerryProcess.stop($0)) }
        #expect(try fleet.status(first)?.status == .succeeded)

        let worker = try ServingWorker(["--config", fleet.configPath, "--worker-id", "serving-\(fleet.suffix)", "--lease-seconds", "5"],
                                       environment: environment(fleet), name: "serving-\(fleet.suffix)")
        defer { #expect(FerryProcess.stop(worker.process)) }
        #expect(try worker.get("/healthz").status == 200)
        #expect(try worker.get("/readyz").status == 200)
        #expect(try worker.get("/nothing").status == 404)

        // The recovery-point gauges come from PostgreSQL: the other worker's cycle is there.
        let age = "ferry_restore_point_age_seconds{database=\"\(database)\"}"
        var before: [String: Double] = [:]
        #expect(try FerryProcess.waitUntil(seconds: 60) {
            before = try worker.metrics()
            return before[age] != nil
        })
        #expect((0..<3_600).contains(before[age] ?? -1), "the copy is minutes old: \(before[age] ?? -1)")
        #expect(before["ferry_recovery_point_objective_seconds{database=\"\(database)\"}"].map { $0 == 93_600 } == true, "26h: \(before)")
        #expect(before["ferry_runs_waiting"] == 0)
        let started = "ferry_runs_started_total{workflow=\"backup-cycle\"}"
        let succeeded = "ferry_runs_finished_total{workflow=\"backup-cycle\",outcome=\"succeeded\"}"
        let snapshots = "ferry_aws_calls_total{service=\"rds\",action=\"CreateDBSnapshot\"}"
        let snapshotSteps = "ferry_step_duration_seconds_count{workflow=\"backup-cycle\",step=\"snapshot\"}"
        #expect(before[started] == nil && before[succeeded] == nil && before[snapshots] == nil, "this worker has run no cycle yet")

        // A second cycle (a minute later, so another snapshot), performed by the serving worker.
        let second = try fleet.runtime.startBackupCycle(of: protected, scheduledFor: Date().addingTimeInterval(120), store: fleet.store,
                                                        catalog: fleet.catalog, actor: "test").runID
        #expect(try fleet.waitForRuns([second]))
        #expect(try fleet.status(second)?.status == .succeeded)
        let after = try worker.metrics()
        #expect(after[started] == 1)
        #expect(after[succeeded] == 1)
        #expect(after[snapshots] == 1)
        #expect((after["ferry_aws_calls_total{service=\"rds\",action=\"DescribeDBSnapshots\"}"] ?? 0) >= 2, "await_snapshot polls")
        #expect(after[snapshotSteps] == 1)
        #expect((after["ferry_step_duration_seconds_count{workflow=\"backup-cycle\",step=\"await_copy\"}"] ?? 0) >= 1)
        #expect(after["ferry_step_duration_seconds_bucket{workflow=\"backup-cycle\",step=\"snapshot\",le=\"+Inf\"}"] == 1)
        #expect(after["ferry_aws_calls_total{service=\"monitoring\",action=\"PutMetricData\"}"] ?? 0 >= 1, "the dead-man's switch")
        let pool = after.keys.first { $0.hasPrefix("ferry_copy_slots{pool=\"rds-copies/") && $0.hasSuffix("/\(fleet.drRegion)/instance\"}") }
        #expect(pool.map { after[$0] } == 20, "the instance copy pool's slots")

        // Every line is a JSON object with time, level and message; the run's lines carry its id, workflow,
        // database and the worker's id.
        let lines = try worker.logLines()
        #expect(lines.allSatisfy { $0["time"] is String && $0["level"] is String && $0["message"] is String })
        let finished = try #require(lines.first { $0["message"] as? String == "run finished" })
        #expect(finished["run_id"] as? String == second.lowercasedString)
        #expect(finished["workflow"] as? String == "backup-cycle")
        #expect(finished["database"] as? String == database)
        #expect(finished["worker_id"] as? String == "serving-\(fleet.suffix)")
        #expect(finished["status"] as? String == "succeeded")
        #expect(try String(contentsOfFile: worker.logFile, encoding: .utf8).contains("testing") == false, "no credential in the logs")
    }

    /// `/readyz` answers 503 while PostgreSQL refuses new connections (as during a restart or failover) and
    /// 200 again once it accepts them; `/healthz` stays 200 throughout, so a liveness probe restarts nothing.
    @Test func readyzFailsWhilePostgresRefusesConnectionsAndRecovers() throws {
        let url = try TestDatabase.create()
        let connection = try PostgresConnection(connectionString: url)
        try Migrator(connection: connection, components: DRSchema.all).migrate()
        let name = try #require(try connection.query("SELECT current_database() AS name").first?.decode("name", as: String.self))
        let worker = try ServingWorker(["--worker-id", "readiness-\(name)"],
                                       environment: ["FERRY_DATABASE_URL": url, "FERRY_CONFIG": "/nonexistent/ferry.yaml",
                                                     "FERRY_WORKFLOWS": DRFixture.workflows],
                                       name: "readiness-\(name)")
        defer { #expect(FerryProcess.stop(worker.process)) }
        #expect(try worker.get("/readyz").status == 200)

        let admin = try PostgresConnection(connectionString: try #require(TestDatabase.serverURL))
        try admin.executeScript(unsafeSQL: "ALTER DATABASE \(name) ALLOW_CONNECTIONS false")
        var refused = try worker.get("/readyz")
        #expect(try FerryProcess.waitUntil(seconds: 30) {
            refused = try worker.get("/readyz")
            return refused.status == 503
        })
        #expect(refused.body.contains("not ready") && refused.body.contains("not currently accepting connections"), "\(refused.body)")
        #expect(try worker.get("/healthz").status == 200)
        #expect(try worker.metrics()["ferry_runs_due"] != nil, "/metrics is served from memory, without PostgreSQL")

        try admin.executeScript(unsafeSQL: "ALTER DATABASE \(name) ALLOW_CONNECTIONS true")
        #expect(try FerryProcess.waitUntil(seconds: 30) { try worker.get("/readyz").status == 200 })
    }
}
