import FerryTestSupport
import Foundation
import Testing

/// `ferry aws whoami` as an operator runs it, against moto. Uses `FERRY_BIN` (set by scripts/test) or the
/// debug build next to the test bundle.
@Suite(Moto.enabled) struct WhoAmICommandTests {
    var binary: URL? {
        if let path = ProcessInfo.processInfo.environment["FERRY_BIN"] { return URL(fileURLWithPath: path) }
        let candidate = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ferry")
        return FileManager.default.isExecutableFile(atPath: candidate.path) ? candidate : nil
    }

    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        let executable = try #require(binary, "build the ferry binary first (swift build)")
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    @Test func printsJSONWithSnakeCaseFields() throws {
        let result = try run(["aws", "whoami", "--json", "--region", "eu-west-1"])
        #expect(result.status == 0, "\(result.errors)")
        let fields = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: String])
        #expect(Set(fields.keys) == ["account", "arn", "user_id", "credential_source"])
        #expect(fields["credential_source"] == "environment")
        #expect(fields["account"]?.count == 12)
    }

    @Test func failureIsOneLineWithoutSecrets() throws {
        let result = try run(["aws", "whoami"], environment: ["AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_SECRET_ACCESS_KEY": "do-not-print-me"])
        #expect(result.status != 0)
        #expect(result.errors.contains("ConnectionFailed"))
        #expect(!result.errors.contains("do-not-print-me") && !result.output.contains("do-not-print-me"))
    }
}
