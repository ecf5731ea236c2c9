import FerryTestSupport
import Foundation
import Testing

/// Runs one of the Python tools of this folder to completion: JSON in on stdin, JSON out on stdout.
enum PythonTool {
    static func run<Input: Encodable, Output: Decodable>(_ script: String, input: Input, as: Output.Type) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", AWSTestEnvironment.toolsDirectory.appendingPathComponent(script).path]
        // botocore must resolve the real AWS endpoints, whatever moto the tests run against.
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_ENDPOINT_URL") }
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(try JSONEncoder().encode(input))
        try stdin.fileHandleForWriting.close()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(script) failed (is boto3 installed?)")
        return try JSONDecoder().decode(Output.self, from: data)
    }
}
