public import Foundation

/// The built `ferry` binary (FERRY_BIN, set by scripts/test), run as operators and deployments run it.
public enum FerryProcess {
    public static var binary: String {
        ProcessInfo.processInfo.environment["FERRY_BIN"] ?? siblingBinary("ferry")
    }

    /// A binary built next to the test bundle (`.build/debug/NAME`, or under any `--scratch-path`: on Linux
    /// the test runner is an executable in the build directory itself).
    public static func siblingBinary(_ name: String) -> String {
        let bundle = Bundle.main.bundleURL.deletingLastPathComponent()
        let runner = Bundle.main.executableURL?.deletingLastPathComponent()
        for directory in [runner, bundle, bundle.deletingLastPathComponent()].compactMap(\.self) {
            let candidate = directory.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../.build/debug/\(name)").standardized.path
    }

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs `ferry ARGS` to completion.
    public static func run(_ arguments: [String], environment: [String: String] = [:], executable: String = binary) throws -> Result {
        let process = try start(arguments, environment: environment, executable: executable)
        let stdout = (process.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
        let stderr = (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Starts `ferry ARGS` (a worker, say) and returns at once; stdout and stderr are pipes, or files when given.
    public static func start(
        _ arguments: [String], environment: [String: String] = [:], executable: String = binary, logFile: String? = nil
    ) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let logFile {
            _ = FileManager.default.createFile(atPath: logFile, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
            process.standardOutput = handle
            process.standardError = handle
        } else {
            process.standardOutput = Pipe()
            process.standardError = Pipe()
        }
        try process.run()
        return process
    }

    /// Waits up to `seconds` for `condition`, checking every 50 ms. A bound for a hung test, not a timing.
    public static func waitUntil(seconds: Double = 120, _ condition: () throws -> Bool) throws -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return try condition()
    }
}

extension FerryProcess {
    /// Sends SIGTERM and waits up to `seconds` for the process to exit; SIGKILLs it after that. Returns
    /// whether it exited by itself, so a worker that ignores SIGTERM fails its test instead of hanging it.
    @discardableResult
    public static func stop(_ process: Process, seconds: Double = 30) -> Bool {
        guard process.isRunning else { return true }
        process.terminate()
        let exited = (try? waitUntil(seconds: seconds) { !process.isRunning }) ?? false
        if !exited { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return exited
    }
}
