import FerryAWS
import FerryEngine
import FerryPostgres
import FerryTestSupport
import Foundation
import Testing
@testable import FerryDR

/// The dead-man's switch and the fleet's own alerts: workers publish their heartbeat and the recovery points
/// to CloudWatch (moto), the template's alarms watch exactly those metrics, and the alerts for an unmatched
/// database, a manual-snapshot quota above 80 % and failing credentials reach the outbox.
@Suite(.enabled(if: DRFixture.isAvailable, "\(DRFixture.skipMessage)"))
struct DeadMansSwitchTests {
    static let repository = URL(fileURLWithPath: #filePath).appendingPathComponent("../../..").standardized

    func cloudWatch(_ arguments: [String]) throws -> Any {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("cloudwatch_check.py").path
        let result = try FerryProcess.run(["python3", script] + arguments, executable: "/usr/bin/env")
        guard result.status == 0 else { throw DRError(message: "cloudwatch_check.py \(arguments[0]): \(result.stderr)") }
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    @Test func workersPublishTheSwitchTheAlarmsWatchItAndTheFleetAlertsFire() throws {
        let fleet = try DRFixture(dr: "ap-southeast-7")
        let database = "orders-\(fleet.suffix)"
        try fleet.makeInstance(database)
        // One manual snapshot allowed in the DR region: the cycle's copy uses all of it.
        try fleet.emulator.configure(region: fleet.drRegion, ["manual_snapshots": 1])
        let run = try fleet.runtime.startBackupCycle(of: try fleet.runtime.protectedDatabase(database), scheduledFor: Date(),
                                                     store: fleet.store, catalog: fleet.catalog, actor: "test").runID
        let first = try fleet.startWorkers(1, name: "first")
        #expect(try fleet.waitForRuns([run]))
        first.forEach { #expect(FerryProcess.stop($0)) }
        #expect(try fleet.status(run)?.status == .succeeded)

        // The quota: recorded by the cleanup step, alerted by its checkpoint.
        let quota = try #require(try fleet.output(run, step: "cleanup")?["manual_snapshot_quota"])
        #expect(quota == ["region": .string(fleet.drRegion), "name": "ManualSnapshots", "used": 1, "max": 1])
        let quotaAlerts = try fleet.connection.query("SELECT subject, message, run_id FROM ferry.alerts WHERE kind = 'snapshot_quota'")
        #expect(quotaAlerts.count == 1)
        #expect(try quotaAlerts.first?.decode("subject", as: String.self) == "Ferry: ManualSnapshots quota of \(fleet.drRegion) is 100% used")
        #expect(try quotaAlerts.first?.decode("message", as: String.self).contains("is at 1 of 1") == true)
        // The configuration's billing cluster does not exist: alerted once, however many syncs saw it.
        let unmatched = try fleet.connection.query("SELECT database, message FROM ferry.alerts WHERE kind = 'database_unmatched'")
        #expect(try unmatched.map { try $0.decode("database", as: String.self) } == ["billing-\(fleet.suffix)"])
        #expect(try unmatched.first?.decode("message", as: String.self).contains("databases[2] names cluster billing-\(fleet.suffix)") == true)

        // A worker started now publishes at once: its heartbeat, the restore point's age, none behind.
        let second = try fleet.startWorkers(1, name: "second")
        defer { second.forEach { #expect(FerryProcess.stop($0)) } }
        var published: [[String: Any]] = []
        #expect(try FerryProcess.waitUntil(seconds: 60) {
            published = try cloudWatch(["metrics", DRFixture.endpoint!, fleet.drRegion]) as? [[String: Any]] ?? []
            return published.contains { $0["name"] as? String == RecoveryTelemetry.restorePointAgeMetric }
        })
        func metric(_ name: String, _ dimensions: [String: String] = [:]) -> Double? {
            published.first { $0["name"] as? String == name && ($0["dimensions"] as? [String: String] ?? [:]) == dimensions }?["max"] as? Double
        }
        #expect(metric(RecoveryTelemetry.heartbeatMetric) == 1)
        #expect(metric(RecoveryTelemetry.behindObjectiveMetric) == 0)
        #expect((0..<3_600).contains(metric(RecoveryTelemetry.restorePointAgeMetric, ["Database": database]) ?? -1))
        #expect(Set(published.compactMap { $0["name"] as? String }) == [
            RecoveryTelemetry.heartbeatMetric, RecoveryTelemetry.behindObjectiveMetric, RecoveryTelemetry.restorePointAgeMetric,
        ])

        // The template's alarms, created as the template gives them: they watch what the workers publish,
        // treat missing data as breaching (no live worker pages) and notify the alert topic.
        let topic = "arn:aws:sns:\(fleet.drRegion):123456789012:ferry-\(fleet.suffix)-alerts"
        let alarms = try #require(try cloudWatch([
            "alarms", DRFixture.endpoint!, fleet.drRegion, Self.repository.appendingPathComponent("deploy/cloudformation/ferry.yaml").path,
            topic, "ferry-\(fleet.suffix)",
        ]) as? [[String: Any]])
        #expect(alarms.map { $0["name"] as? String } == ["ferry-\(fleet.suffix)-no-live-worker", "ferry-\(fleet.suffix)-recovery-point-behind"])
        for alarm in alarms {
            #expect(alarm["namespace"] as? String == RecoveryTelemetry.namespace)
            #expect(alarm["treat_missing_data"] as? String == "breaching")
            #expect(alarm["alarm_actions"] as? [String] == [topic] && alarm["ok_actions"] as? [String] == [topic])
        }
        #expect(alarms.map { $0["metric"] as? String } == [RecoveryTelemetry.heartbeatMetric, RecoveryTelemetry.behindObjectiveMetric])
        // Alarm when fewer than one heartbeat arrives; when any database is behind.
        #expect(alarms[0]["comparison"] as? String == "LessThanThreshold" && alarms[0]["threshold"] as? Double == 1)
        #expect(alarms[1]["comparison"] as? String == "GreaterThanThreshold" && alarms[1]["threshold"] as? Double == 0)
    }

    /// A worker whose AWS credentials are gone (none in its environment, no instance metadata) queues one
    /// `credentials_failing` alert, naming itself and the error and nothing secret.
    @Test func credentialsThatStopWorkingAreAlertedOnce() throws {
        let fleet = try DRFixture()
        let worker = try FerryProcess.start(
            ["worker", "--config", fleet.configPath, "--worker-id", "no-credentials-\(fleet.suffix)"],
            environment: ["FERRY_DATABASE_URL": fleet.databaseURL, "FERRY_WORKFLOWS": DRFixture.workflows,
                          "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
                          "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_CONFIG_FILE": "/dev/null", "AWS_WEB_IDENTITY_TOKEN_FILE": "",
                          "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "",
                          "AWS_EC2_METADATA_DISABLED": "true"],
            logFile: NSTemporaryDirectory() + "/no-credentials-\(fleet.suffix).log")
        defer { #expect(FerryProcess.stop(worker)) }
        #expect(try FerryProcess.waitUntil(seconds: 60) {
            try fleet.connection.query("SELECT 1 FROM ferry.alerts WHERE kind = 'credentials_failing'").count > 0
        })
        // Both the scheduler's discovery and the dead-man's switch fail; one alert a day.
        #expect(try FerryProcess.waitUntil(seconds: 30) {
            try String(contentsOfFile: NSTemporaryDirectory() + "/no-credentials-\(fleet.suffix).log", encoding: .utf8)
                .contains("dead-mans-switch")
        })
        let alerts = try fleet.connection.query("SELECT subject, message FROM ferry.alerts WHERE kind = 'credentials_failing'")
        #expect(alerts.count == 1)
        let message = try #require(try alerts.first?.decode("message", as: String.self))
        #expect(message.contains("worker no-credentials-\(fleet.suffix) could not use its AWS credentials"))
        #expect(message.contains("CredentialsUnavailable"))
        #expect(try alerts.first?.decode("subject", as: String.self) == "Ferry: AWS credentials are failing")
    }

    /// Only a refusal of the credentials themselves is that alert: a throttled or denied call is not.
    @Test func onlyCredentialRefusalsAreCredentialFailures() {
        #expect(AWSError(kind: .service, code: "ExpiredToken", message: "", httpStatus: 403).isCredentialFailure)
        #expect(AWSError(kind: .service, code: "InvalidClientTokenId", message: "", httpStatus: 403).isCredentialFailure)
        #expect(AWSError(kind: .credentials, code: .credentialsUnavailable, message: "none").isCredentialFailure)
        #expect(!AWSError(kind: .service, code: .accessDenied, message: "", httpStatus: 403).isCredentialFailure)
        #expect(!AWSError(kind: .service, code: "Throttling", message: "", httpStatus: 400).isCredentialFailure)
        #expect(!AWSError(kind: .transport, code: .connectionFailed, message: "").isCredentialFailure)
    }
}
