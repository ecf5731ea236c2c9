import FerryTestSupport
import Foundation
@testable import FerryDR

/// The control API of our RDS emulator (`scripts/rds_emulator.py`, behind `scripts/moto-server.py`): per-region
/// limits and time mode, the emulator's clock, and the RDS calls it received. Tests isolate themselves by
/// using regions no other test uses.
struct RDSEmulator {
    let endpoint: String

    /// Overrides a region's limits (`manual_snapshots`, `instance_copies`, …) or switches it to time mode
    /// (`snapshot_seconds`, `copy_seconds`).
    func configure(region: String, _ settings: [String: Int]) throws {
        _ = try request("POST", "/ferry-api/regions/\(region)", body: settings)
    }

    /// Takes a region down (every call to it fails, as in a regional outage) or brings it back.
    func setDown(_ down: Bool, region: String) throws {
        _ = try request("POST", "/ferry-api/regions/\(region)", body: ["down": down])
    }

    /// Moves the clock of `regions` forward (time-mode regions finish snapshots and copies by it); only
    /// those, so that tests running at the same time in other regions keep their own time.
    func advanceClock(seconds: Double, regions: [String]) throws {
        _ = try request("POST", "/ferry-api/clock", body: ["advance_seconds": seconds, "regions": regions])
    }

    /// Crash tests: once the (`skip`+1)th `action` call in `region` has taken effect, and before it is
    /// answered, the emulator SIGKILLs process `pid` (a worker dies between an AWS call and its record).
    func kill(_ pid: Int32, after action: String, in region: String, skip: Int = 0) throws {
        _ = try request("POST", "/ferry-api/kills", body: ["region": region, "action": action, "pid": Int(pid), "skip": skip])
    }

    /// Forgets the calls received in `regions`.
    func resetCalls(regions: [String]) throws {
        _ = try request("POST", "/ferry-api/calls/reset", body: ["regions": regions])
    }

    /// Calls received, by region and action: RDS actions by name, other services' as `service:Action`.
    func calls() throws -> [String: [String: Int]] {
        let data = try request("GET", "/ferry-api/calls", body: nil)
        return try JSONDecoder().decode([String: [String: Int]].self, from: data)
    }

    /// Calls received in `regions`, all actions together and by action.
    func calls(in regions: [String]) throws -> (total: Int, byAction: [String: Int]) {
        let all = try calls()
        var byAction: [String: Int] = [:]
        for region in regions {
            for (action, count) in all[region] ?? [:] { byAction[action, default: 0] += count }
        }
        return (byAction.values.reduce(0, +), byAction)
    }

    private func request(_ method: String, _ path: String, body: [String: any Sendable]?) throws -> Data {
        var arguments = ["curl", "-sS", "--fail-with-body", "-X", method, endpoint + path]
        if let body {
            let json = try JSONSerialization.data(withJSONObject: body)
            arguments += ["-H", "Content-Type: application/json", "--data-binary", String(decoding: json, as: UTF8.self)]
        }
        let result = try FerryProcess.run(arguments, executable: "/usr/bin/env")
        guard result.status == 0 else {
            throw DRError(message: "emulator \(method) \(path): \(result.stdout) \(result.stderr)")
        }
        return Data(result.stdout.utf8)
    }
}
