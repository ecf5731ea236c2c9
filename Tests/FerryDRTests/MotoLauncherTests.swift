import Foundation
import Testing

/// Runs `moto_polls_check.py` (beside this file), which starts `scripts/moto-server.py` with
/// FERRY_MOTO_SNAPSHOT_POLLS / FERRY_MOTO_INSTANCE_POLLS and checks the statuses with boto3, and
/// `rds_emulator_check.py`, which checks what `scripts/rds_emulator.py` adds to moto (pagination, copy statuses,
/// quotas, KMS rules, deletes, time mode, call counts) through boto3 and the /ferry-api/ control API.
@Suite struct MotoLauncherTests {
    static let checkScript = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "moto_polls_check.py")
    static let emulatorCheckScript = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "rds_emulator_check.py")

    static func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(filePath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    static var pythonHasMotoAndBoto3: Bool {
        (try? python(["-c", "import moto.server, boto3"]).status) == 0
    }

    @Test(.enabled(if: pythonHasMotoAndBoto3, "python3 with moto[server] and boto3 is needed (scripts/install-deps installs them)"))
    func newResourcesWaitForTheConfiguredNumberOfDescribes() throws {
        let result = try Self.python([Self.checkScript.path])
        #expect(result.status == 0, "\(result.output)")
    }

    @Test(.enabled(if: pythonHasMotoAndBoto3, "python3 with moto[server] and boto3 is needed (scripts/install-deps installs them)"))
    func theEmulatorBehavesLikeRDS() throws {
        let result = try Self.python([Self.emulatorCheckScript.path])
        #expect(result.status == 0, "\(result.output)")
    }
}
