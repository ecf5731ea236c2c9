import FerryAWS
import FerryEngine
import FerryPostgres
import FerryTestSupport
import Foundation
import Testing
@testable import FerryDR
import FerryDRSchema

/// A fleet in the slow moto server (new snapshots and instances stay creating/copying for two describes),
/// a migrated database, a configuration file and the real workflow files.
struct DRFixture {
    static let endpoint = ProcessInfo.processInfo.environment["FERRY_TEST_SLOW_AWS_ENDPOINT_URL"]
    static var isAvailable: Bool { endpoint != nil && TestDatabase.isAvailable }
    static let skipMessage = "FERRY_TEST_SLOW_AWS_ENDPOINT_URL or FERRY_TEST_DATABASE_URL is unset: run the tests with scripts/test"
    static let workflows = URL(fileURLWithPath: #filePath).appendingPathComponent("../../../workflows").standardized.path
    static let primary = "us-east-1"
    static let dr = "us-west-2"

    let suffix = String(UInt32.random(in: .min ... .max), radix: 16)
    let databaseURL: String
    let connection: PostgresConnection
    let store: RunStore
    let aws: AWSContext
    let drKey: KMSKey
    let topicARN: String
    let configPath: String
    let runtime: DRRuntime
    let catalog: WorkflowCatalog
    let primaryRegion: String
    let drRegion: String
    var emulator: RDSEmulator { RDSEmulator(endpoint: Self.endpoint!) }

    /// `primary` and `dr` default to the regions most tests share; a test that changes a region's limits,
    /// clock or health, counts its calls or sets a kill hook in it (`emulator`) uses regions of its own, so
    /// that tests running in parallel do not disturb each other. Taken so far (keep this list current):
    /// eu-west-1/eu-central-1 and ap-south-1/ap-southeast-1 (FleetCycleTests), ca-central-1/sa-east-1 and
    /// ap-northeast-1/ap-northeast-2 (CycleCompensationTests), us-east-2/us-west-1, eu-west-2/eu-west-3,
    /// eu-north-1/eu-south-1, ap-east-1/me-south-1, ap-east-2/me-central-1 (BackupCycleCrashTests),
    /// eu-central-2/eu-south-2 (CatalogTests), ap-southeast-5/ap-southeast-6 and il-central-1/mx-central-1
    /// (RegionalRecoveryTests), ca-west-1/ap-southeast-4 (StatusPlanIntegrationTests), af-south-1
    /// (FerryAWSTests), ap-northeast-3/ap-southeast-2 (SnapshotOwnershipIntegrationTests), ap-southeast-3/ap-south-2
    /// (WorkerPolicyTests), ap-southeast-7 (DeadMansSwitchTests, its DR region).
    /// The alert topic lives in `topicRegion` (the shared primary region unless told otherwise).
    init(retentionCount: Int = 2, extraConfig: String = "", databases: String? = nil,
         primary: String = Self.primary, dr: String = Self.dr, topicRegion: String = Self.primary) throws {
        primaryRegion = primary
        drRegion = dr
        databaseURL = try TestDatabase.create()
        connection = try PostgresConnection(connectionString: databaseURL)
        try Migrator(connection: connection, components: DRSchema.all).migrate()
        store = RunStore(connection: connection)
        aws = AWSContext(credentials: StaticCredentialProvider(AWSCredentials(accessKeyID: "testing", secretAccessKey: "testing", source: "test")),
                         endpoints: EndpointResolver(overrides: ["rds": Self.endpoint!, "kms": Self.endpoint!, "sns": Self.endpoint!, "sts": Self.endpoint!]))
        drKey = try aws.kms(region: dr).createKey(description: "ferry dr \(suffix)")
        topicARN = try aws.sns(region: topicRegion).createTopic(name: "ferry-alerts-\(suffix)")
        let endpoint = Self.endpoint!
        let yaml = """
            primary_region: \(primary)
            dr_region: \(dr)
            dr_kms_key: \(drKey.arn)
            alert_topic_arn: \(topicARN)
            endpoints: {rds: "\(endpoint)", kms: "\(endpoint)", sns: "\(endpoint)", sts: "\(endpoint)", monitoring: "\(endpoint)"}
            defaults:
              schedule: "0 3 * * *"
              retention: {count: \(retentionCount)}
              rpo: 26h
            databases:
            \(databases ?? """
                  - identifier: orders-\(suffix)
                    kind: instance
                  - tagged: {dr-test: "\(suffix)"}
                  - identifier: billing-\(suffix)
                    kind: cluster
                """)
            \(extraConfig)
            """
        configPath = NSTemporaryDirectory() + "/ferry-\(suffix).yaml"
        try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
        runtime = DRRuntime(config: try FerryConfig.load(path: configPath))
        catalog = try WorkflowCatalog.load(directory: Self.workflows, contracts: DRWorkflows.declared)
    }

    func rds(_ region: String) throws -> RDSClient { try aws.rds(region: region) }

    /// A PostgreSQL instance in `region` (the primary region by default), encrypted unless told otherwise.
    @discardableResult
    func makeInstance(_ name: String, region: String? = nil, tags: [String: String] = [:], encrypted: Bool = true) throws -> DBInstance {
        let region = region ?? primaryRegion
        let key = encrypted ? try aws.kms(region: region).createKey(description: "source \(name)") : nil
        return try rds(region).createDBInstance(CreateDBInstanceRequest(
            instanceIdentifier: name, instanceClass: "db.t3.micro", engine: "postgres", allocatedStorage: 20,
            masterUsername: "ferry", masterUserPassword: "not-a-secret-1", storageEncrypted: encrypted, kmsKeyID: key?.arn, tags: tags))
    }

    /// An Aurora PostgreSQL cluster in the primary region, encrypted unless told otherwise.
    func makeCluster(_ name: String, tags: [String: String] = [:], encrypted: Bool = true) throws {
        let key = encrypted ? try aws.kms(region: primaryRegion).createKey(description: "source \(name)") : nil
        _ = try rds(primaryRegion).createDBCluster(identifier: name, engine: "aurora-postgresql", masterUsername: "ferry",
                                                   masterUserPassword: "not-a-secret-1", storageEncrypted: encrypted,
                                                   kmsKeyID: key?.arn, tags: tags)
    }

    /// `ferry worker` processes on this fixture's database and configuration. Without the configuration
    /// (`withConfig: false`) a worker only performs steps (no scheduler, alert or RPO tasks, which make AWS
    /// calls of their own), reaching the emulator through AWS_ENDPOINT_URL.
    func startWorkers(_ count: Int, name: String = "worker", withConfig: Bool = true) throws -> [Process] {
        try (0..<count).map { index in
            try FerryProcess.start(
                ["worker"] + (withConfig ? ["--config", configPath] : [])
                    + ["--worker-id", "\(name)-\(index)-\(suffix)", "--concurrency", "4", "--lease-seconds", "5"],
                environment: ["FERRY_DATABASE_URL": databaseURL, "FERRY_WORKFLOWS": Self.workflows, "FERRY_LOG_LEVEL": "info",
                              "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_ENDPOINT_URL": Self.endpoint!],
                logFile: NSTemporaryDirectory() + "/\(name)-\(index)-\(suffix).log")
        }
    }

    /// Waits for `runs` to finish, moving parked runs' wake-up to now as time passing would (poll intervals
    /// are minutes long in the real workflow files).
    func waitForRuns(_ runs: [UUID], seconds: Double = 180) throws -> Bool {
        let ids = runs.map(\.lowercasedString)
        return try FerryProcess.waitUntil(seconds: seconds) {
            try connection.execute("UPDATE ferry.runs SET next_wake_at = now() WHERE status = 'waiting' AND next_wake_at > now()")
            let unfinished: Int = try connection.query("""
                SELECT count(*) AS n FROM ferry.runs WHERE id = ANY(\(ids)::uuid[]) AND status NOT IN ('succeeded', 'failed', 'cancelled')
                """).first!.decode("n")
            return unfinished == 0
        }
    }

    /// Drives `runs` to their end in emulated time: whenever none of them is due or running, moves the
    /// emulator's clock and the parked runs' wake-ups forward together to the next wake-up (and a few
    /// seconds more, so runs due close together wake together). Snapshots and copies of time-mode regions
    /// then take as long, in polls, as they would on AWS with the shipped poll policies.
    func runInEmulatedTime(_ runs: [UUID], seconds: Double = 600) throws -> Bool {
        let ids = runs.map(\.lowercasedString)
        return try FerryProcess.waitUntil(seconds: seconds) {
            let row = try connection.query("""
                SELECT count(*) FILTER (WHERE status NOT IN ('succeeded', 'failed', 'cancelled')) AS unfinished,
                    count(*) FILTER (WHERE status = 'running' OR (status IN ('pending', 'waiting') AND next_wake_at <= now())) AS busy,
                    extract(epoch FROM min(next_wake_at) FILTER (WHERE status = 'waiting') - now())::float8 AS next_in
                FROM ferry.runs WHERE id = ANY(\(ids)::uuid[])
                """).first!
            guard try row.decode("unfinished", as: Int.self) > 0 else { return true }
            if try row.decode("busy", as: Int.self) == 0, let nextIn: Double = try row.decode("next_in"), nextIn > 0 {
                let step = nextIn + 5
                try emulator.advanceClock(seconds: step, regions: [primaryRegion, drRegion])
                try connection.execute("""
                    UPDATE ferry.runs SET next_wake_at = next_wake_at - make_interval(secs => \(step))
                    WHERE status = 'waiting' AND id = ANY(\(ids)::uuid[])
                    """)
            }
            return false
        }
    }

    func status(_ run: UUID) throws -> RunSummary? { try store.run(id: run) }

    /// `ferry ARGS` on this fixture's database and (for the commands that take one) configuration.
    /// `environment` adds to or overrides the fixture's (another `FERRY_DATABASE_URL`, say).
    func ferry(_ arguments: [String], withConfig: Bool = true, environment: [String: String] = [:]) throws -> FerryProcess.Result {
        try FerryProcess.run(arguments + (withConfig ? ["--config", configPath] : []), environment: [
            "FERRY_DATABASE_URL": databaseURL, "FERRY_WORKFLOWS": Self.workflows,
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        ].merging(environment) { $1 })
    }

    /// Subscribes a new SQS queue to the alert topic; `published(inbox:)` then reads what the topic sent.
    /// (moto's /moto-api/data.json cannot be used: it fails once an RDS instance exists.)
    func subscribeInbox() throws -> String {
        try snsInbox(["subscribe", Self.endpoint!, topicARN]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The messages the alert topic sent to `inbox` since the last call, oldest first.
    func published(inbox: String) throws -> [(subject: String, message: String)] {
        let received = try JSONSerialization.jsonObject(with: Data(try snsInbox(["read", Self.endpoint!, Self.primary, inbox]).utf8))
        return (received as? [[String: String]] ?? []).map { (subject: $0["subject"] ?? "", message: $0["message"] ?? "") }
    }

    private func snsInbox(_ arguments: [String]) throws -> String {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("sns_inbox.py").path
        let result = try FerryProcess.run(["python3", script] + arguments, executable: "/usr/bin/env")
        guard result.status == 0 else { throw DRError(message: "sns_inbox.py \(arguments[0]): \(result.stderr)") }
        return result.stdout
    }

    /// Ferry's DR snapshots of the instance `database` from earlier cycles, as those cycles leave them: made in
    /// the DR region (where the test made an instance of that name) with Ferry's tags naming a backup-cycle
    /// run, and recorded by that run's await_copy checkpoint, whose `dr_copy` the trigger of sql/dr/007 records
    /// as a real cycle's does. `whileCreating` runs once they are all created (a time-mode region's clock is
    /// advanced there). Far quicker than a real cycle per snapshot; SnapshotOwnershipIntegrationTests make
    /// them with real cycles.
    func seedEarlierCycles(of database: String, identifiers: [String], whileCreating: () throws -> Void = {}) throws {
        let drRDS = try rds(drRegion)
        let definition = try #require(catalog.definition(named: "backup-cycle"))
        try store.register(definition)
        let runs = Dictionary(uniqueKeysWithValues: identifiers.map { ($0, UUID()) })
        for identifier in identifiers {
            _ = try drRDS.createDBSnapshot(identifier: identifier, instanceIdentifier: database, tags: [
                FerryTags.managed: "true", FerryTags.sourceDatabase: database, FerryTags.runID: runs[identifier]!.lowercasedString,
            ])
        }
        try whileCreating()
        var available: [DBSnapshot] = []
        #expect(try FerryProcess.waitUntil(seconds: 30) {
            available = try drRDS.describeDBSnapshots(DBSnapshotQuery(instanceIdentifier: database, snapshotType: "manual"))
                .filter { runs[$0.identifier] != nil && $0.status == "available" }
            return available.count == identifiers.count
        }, "the earlier snapshots became available")
        for snapshot in available {
            let run = runs[snapshot.identifier]!
            let copy = DRCopy(database: database, drRegion: drRegion, snapshotID: snapshot.identifier,
                              snapshotARN: try #require(snapshot.arn), createdAt: try #require(snapshot.createTime))
            try connection.transaction {
                try connection.execute("""
                    INSERT INTO ferry.runs (id, workflow, definition_version, status, step_count, step_index, created_by, started_at, finished_at)
                    VALUES (\(run), 'backup-cycle', \(definition.version), 'succeeded', 5, 5, 'earlier cycle', now(), now())
                    """)
                try connection.execute("""
                    INSERT INTO ferry.step_checkpoints (run_id, step_index, step_name, output, attempts, polls, started_at, worker_id, lease_epoch)
                    VALUES (\(run), 3, 'await_copy', \(try JSONValue.object(["dr_copy": JSONValue(encoding: copy)]).jsonText)::jsonb, 1, 0, now(), 'earlier', 1)
                    """)
            }
        }
    }

    func output(_ run: UUID, step: String) throws -> JSONValue? {
        try store.checkpoints(runID: run).first { $0.stepName == step }?.output
    }
}
