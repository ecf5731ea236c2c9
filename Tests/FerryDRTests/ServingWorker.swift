import FerryTestSupport
import Foundation
import Testing

/// A `ferry worker --http-port 0 --log-format json` process: the port the OS gave it (read from its log),
/// its HTTP endpoints and its log lines.
struct ServingWorker {
    let process: Process
    let logFile: String
    let port: Int

    /// Starts the worker with `arguments` after `worker --http-port 0 --log-format json` and waits until it
    /// says where it listens.
    init(_ arguments: [String], environment: [String: String], name: String) throws {
        let logFile = NSTemporaryDirectory() + "/\(name).log"
        let process = try FerryProcess.start(["worker", "--http-port", "0", "--log-format", "json"] + arguments,
                                             environment: environment, logFile: logFile)
        var listening: Int?
        _ = try FerryProcess.waitUntil(seconds: 60) {
            listening = try Self.logLines(logFile).lazy.compactMap { ($0["http_port"] as? String).flatMap(Int.init) }.first
            return listening != nil || !process.isRunning
        }
        guard let listening else {
            FerryProcess.stop(process)
            throw ServingWorkerError(message: "the worker never said where it listens: \(try String(contentsOfFile: logFile, encoding: .utf8))")
        }
        self.process = process
        self.logFile = logFile
        port = listening
    }

    func get(_ path: String) throws -> HTTPProbe.Response {
        try HTTPProbe.get("http://127.0.0.1:\(port)\(path)")
    }

    /// The Prometheus samples of `/metrics`: `name{labels}` (as written) → value.
    func metrics() throws -> [String: Double] {
        let response = try get("/metrics")
        #expect(response.status == 200)
        var samples: [String: Double] = [:]
        for line in response.body.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                Issue.record("not a Prometheus sample: \(line)")
                continue
            }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    /// Every line the worker logged, each parsed as a JSON object (a line that is not one fails the test).
    func logLines() throws -> [[String: Any]] {
        try Self.logLines(logFile)
    }

    /// The complete lines (a line being written has no newline yet).
    static func logLines(_ file: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let complete = text.lastIndex(of: "\n").map { text[...$0] } ?? ""
        return try complete.split(separator: "\n").map { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw ServingWorkerError(message: "a log line that is not a JSON object: \(line)")
            }
            return object
        }
    }
}

struct ServingWorkerError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
