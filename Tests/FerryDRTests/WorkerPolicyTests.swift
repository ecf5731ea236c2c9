import FerryAWS
import FerryEngine
import FerryTestSupport
import Foundation
import Testing
@testable import FerryDR
import FerryPostgres

/// The worker policy of deploy/cloudformation/ferry.yaml against the calls Ferry actually makes: backup
/// cycles of an instance and an Aurora cluster (with retention deleting), a drill of each, a restore, the
/// operators' read-only commands, and a cycle that fails on a used-up snapshot quota and alerts, all by
/// `ferry` processes in two regions of their own, whose calls (every service) the emulator counts. Every
/// call must be allowed, and every allowed action must have been called, except what KMS checks when RDS
/// uses a key on Ferry's behalf (`DeployTests.usedThroughRDS`), which no emulator sees.
@Suite(.enabled(if: DRFixture.isAvailable, "\(DRFixture.skipMessage)"),
       .enabled(if: DeployTests.pythonWithYAML != nil || DeployTests.isCI, "python3 with PyYAML is not available; skipped outside CI"))
struct WorkerPolicyTests {
    @Test func thePolicyAllowsExactlyTheCallsFerryMakes() throws {
        let fleet = try DRFixture(retentionCount: 1, primary: "ap-southeast-3", dr: "ap-south-2", topicRegion: "ap-south-2")
        let sfx = fleet.suffix
        let orders = "orders-\(sfx)", billing = "billing-\(sfx)"
        try fleet.makeInstance(orders)
        try fleet.makeCluster(billing)
        let protected = try [orders, billing].map { try fleet.runtime.protectedDatabase($0) }
        // From here on, only Ferry's processes call AWS in these regions (the test reads PostgreSQL).
        try fleet.emulator.resetCalls(regions: [fleet.primaryRegion, fleet.drRegion])
        let workers = try fleet.startWorkers(1)
        defer { workers.forEach { #expect(FerryProcess.stop($0)) } }

        func waitFor(_ runs: [UUID], toEndAs status: RunStatus) throws {
            #expect(try fleet.waitForRuns(runs))
            for run in runs {
                let summary = try #require(try fleet.status(run))
                #expect(summary.status == status, "\(summary.workflow): \(summary.lastError ?? "")")
            }
        }
        func cycles(at fireTime: Date) throws -> [UUID] {
            try protected.map {
                try fleet.runtime.startBackupCycle(of: $0, scheduledFor: fireTime, store: fleet.store, catalog: fleet.catalog, actor: "test").runID
            }
        }
        func started(_ arguments: [String]) throws -> UUID {
            let result = try fleet.ferry(arguments + ["--no-follow"])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            let id = UUID(uuidString: result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            return try #require(id, "\(arguments) printed a run id")
        }

        // Two cycles of each: the second's retention (count 1) deletes the first's DR copy.
        try waitFor(try cycles(at: Date(timeIntervalSinceNow: -86_400)), toEndAs: .succeeded)
        try waitFor(try cycles(at: Date()), toEndAs: .succeeded)
        // A drill of each (restore, verify, delete, notify) and a restore.
        try waitFor([try started(["drill", orders]), try started(["drill", billing])], toEndAs: .succeeded)
        try waitFor([try started(["restore", orders, "--as", "\(orders)-restored"])], toEndAs: .succeeded)
        // What operators run.
        for arguments in [["plan"], ["status", "--verify"]] {
            let result = try fleet.ferry(arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        let whoami = try fleet.ferry(["aws", "whoami", "--region", fleet.drRegion], withConfig: false,
                                     environment: ["AWS_ENDPOINT_URL": DRFixture.endpoint!])
        #expect(whoami.status == 0, "\(whoami.stderr)")
        // The primary region's manual-snapshot quota is used up: the cycle reads the quota, fails and alerts.
        try fleet.emulator.configure(region: fleet.primaryRegion, ["manual_snapshots": 0])
        let refused = try fleet.runtime.startBackupCycle(of: protected[0], scheduledFor: Date(timeIntervalSinceNow: 120), store: fleet.store,
                                                         catalog: fleet.catalog, actor: "test").runID
        try waitFor([refused], toEndAs: .failed)
        #expect(try FerryProcess.waitUntil(seconds: 30) {
            try fleet.connection.query("SELECT 1 FROM ferry.alerts WHERE run_id = \(refused) AND delivered_at IS NOT NULL").count == 1
        }, "the failure was published")

        var called: [String: Int] = [:]
        for (action, count) in try fleet.emulator.calls(in: [fleet.primaryRegion, fleet.drRegion]).byAction {
            // The emulator names a call by its service's signing name; IAM calls CloudWatch's `cloudwatch`.
            let iam = action.hasPrefix("monitoring:") ? "cloudwatch:" + action.dropFirst("monitoring:".count) : action
            called[iam.contains(":") ? iam : "rds:\(iam)", default: 0] += count
        }
        let statements = try DeployTests.policyStatements()
        let allowed = statements.filter { $0.effect == "Allow" }.flatMap(\.actions)
        let denied = statements.filter { $0.effect == "Deny" }.flatMap(\.actions)
        for action in called.keys.sorted() {
            #expect(allowed.contains { DeployTests.action($0, matches: action) } && !denied.contains { DeployTests.action($0, matches: action) },
                    "Ferry called \(action) (\(called[action]!)×), which WorkerPolicy does not allow")
        }
        // AddTagsToResource is what RDS checks for the tags of a create, copy or restore: Ferry never calls it.
        let checkedByRDS = DeployTests.usedThroughRDS.union(["rds:AddTagsToResource"])
        let unused = Set(allowed).subtracting(checkedByRDS).filter { pattern in !called.keys.contains { DeployTests.action(pattern, matches: $0) } }
        #expect(unused.isEmpty, "WorkerPolicy allows actions Ferry did not call: \(unused.sorted())")
        #expect(called["rds:AddTagsToResource"] == nil && called.keys.allSatisfy { !$0.hasPrefix("kms:") }, "\(called.keys.sorted())")
        print("calls Ferry made in a cycle, drill, restore and alert: \(called.sorted { $0.key < $1.key })")
    }
}
