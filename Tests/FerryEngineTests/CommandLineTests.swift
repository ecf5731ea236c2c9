import FerryPostgres
import FerryTestSupport
import Foundation
import Testing
@testable import FerryEngine

/// The `ferry` binary end to end, as operators and their scripts use it.
@Suite(.enabled(if: TestDatabase.isAvailable, "\(TestDatabase.unavailableMessage)"))
struct CommandLineTests {
    let url: String
    let environment: [String: String]

    init() throws {
        url = try TestDatabase.create()
        environment = ["FERRY_DATABASE_URL": url, "FERRY_WORKFLOWS": EngineFixture.shippedWorkflows, "FERRY_LOG_LEVEL": "warning"]
    }

    func ferry(_ arguments: String...) throws -> FerryProcess.Result {
        try FerryProcess.run(arguments, environment: environment)
    }

    func json(_ result: FerryProcess.Result) throws -> JSONValue {
        try JSONValue(parsing: result.stdout)
    }

    /// Every command, walked down from `ferry --help`, has help of its own and is documented in the README's
    /// command tables: a command added, renamed or removed without its documentation fails here.
    @Test func everyCommandHasHelpAndIsDocumented() throws {
        let readme = try String(contentsOf: URL(fileURLWithPath: #filePath)
            .appendingPathComponent("../../../README.md").standardized, encoding: .utf8)
        func subcommands(of path: [String]) throws -> [String] {
            let help = try FerryProcess.run(path + ["--help"], environment: environment)
            #expect(help.status == 0, "ferry \(path.joined(separator: " ")) --help")
            #expect(help.stdout.contains("USAGE: ferry \(path.joined(separator: " "))"), "\(help.stdout)")
            guard let section = help.stdout.components(separatedBy: "SUBCOMMANDS:").dropFirst().first else { return [] }
            // Each subcommand starts a line indented by two spaces; wrapped abstracts are indented further.
            return section.split(separator: "\n").compactMap { line in
                guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first else { return nil }
                return String(name)
            }.filter { $0 != "help" && $0 != "See" }
        }
        var commands: [[String]] = []
        var pending = try subcommands(of: []).map { [$0] }
        #expect(pending.count >= 13, "\(pending)")
        while let path = pending.popLast() {
            let children = try subcommands(of: path)
            if children.isEmpty { commands.append(path) } else { pending += children.map { path + [$0] } }
        }
        for command in commands {
            #expect(readme.contains("`ferry \(command.joined(separator: " "))"), "ferry \(command.joined(separator: " ")) is not in the README")
        }
        #expect(commands.contains(["runs", "resume"]) && commands.contains(["catalog", "rebuild"]) && commands.contains(["aws", "whoami"]))
    }

    @Test func cancelAndResumeEndToEnd() throws {
        #expect(try ferry("migrate").status == 0)
        let start = try ferry("runs", "start", "noop", "--input", #"{"steps": 6, "sleep_ms": 150}"#, "--actor", "alice")
        #expect(start.status == 0, "\(start.stderr)")
        let run = start.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(UUID(uuidString: run) != nil)

        let worker = try FerryProcess.start(["worker", "--concurrency", "2", "--worker-id", "cli-worker"], environment: environment,
                                            logFile: NSTemporaryDirectory() + "/cli-worker-\(run).log")
        defer { #expect(FerryProcess.stop(worker)) }
        #expect(try FerryProcess.waitUntil { try json(ferry("runs", "show", run, "--json"))["run"]?["step_index"]?.intValue ?? 0 >= 1 })
        let cancel = try ferry("runs", "cancel", run, "--actor", "bob")
        #expect(cancel.status == 0 && cancel.stdout.contains("cancel requested"))
        #expect(try FerryProcess.waitUntil { try json(ferry("runs", "show", run, "--json"))["run"]?["status"] == "cancelled" })
        let cancelled = try json(ferry("runs", "show", run, "--json"))
        let done = cancelled["run"]?["step_index"]?.intValue ?? 0
        #expect(done < 6, "cancelled at a step boundary before the end")

        let resume = try ferry("runs", "resume", run, "--actor", "carol")
        #expect(resume.status == 0, "\(resume.stderr)")
        #expect(try FerryProcess.waitUntil { try json(ferry("runs", "show", run, "--json"))["run"]?["status"] == "succeeded" })
        let shown = try json(ferry("runs", "show", run, "--json"))
        let steps = shown["steps"]?.arrayValue ?? []
        #expect(steps.count == 6 && steps.allSatisfy { $0["status"] == "succeeded" && $0["attempts"] == 1 })

        let history = try json(ferry("history", "--run", run, "--json"))["events"]?.arrayValue ?? []
        let kinds = history.compactMap { $0["kind"]?.stringValue }
        #expect(kinds.filter { $0 == "step.completed" }.count == 6, "each step completed once across cancel and resume")
        #expect(history.contains { $0["kind"] == "run.cancel_requested" && $0["actor"] == "bob" })
        #expect(history.contains { $0["kind"] == "run.resumed" && $0["actor"] == "carol" })
        #expect(history.contains { $0["kind"] == "run.created" && $0["actor"] == "alice" })

        let listed = try json(ferry("runs", "list", "--status", "succeeded", "--workflow", "noop", "--json"))["runs"]?.arrayValue ?? []
        #expect(listed.map { $0["id"]?.stringValue } == [run])
    }

    @Test func idempotentStartWithKey() throws {
        #expect(try ferry("migrate").status == 0)
        let first = try ferry("runs", "start", "noop", "--key", "nightly-2026-11-25")
        let second = try ferry("runs", "start", "noop", "--key", "nightly-2026-11-25")
        #expect(first.status == 0 && first.stdout == second.stdout)
    }

    @Test func badInputGetsOneClearLineAndNonZeroExit() throws {
        #expect(try ferry("migrate").status == 0)
        let cases: [([String], String)] = [
            (["runs", "show", "not-a-uuid"], "is not a run id"),
            (["runs", "show", UUID().uuidString], "no run"),
            (["runs", "cancel", UUID().uuidString], "no run"),
            (["runs", "start", "no-such-workflow"], "no workflow \"no-such-workflow\""),
            (["runs", "start", "noop", "--input", "{not json"], "--input: malformed JSON"),
            (["runs", "start", "noop", "--input", #"{"steps": -1}"#], "must be a whole number"),
            (["runs", "list", "--status", "sleeping"], "--status must be one of"),
            (["worker", "--concurrency", "0"], "--concurrency must be 1-256"),
            (["history", "--since", "yesterday"], "--since must be an ISO 8601 time"),
            // Issue 12: an input that is not the workflow's input type is refused before a run exists.
            (["runs", "start", "backup-cycle", "--input", "{}"],
             "--input: the input does not fit workflow \"backup-cycle\": \"database\" is missing"),
            (["runs", "start", "restore", "--input", #"{"database": "db1"}"#], "the input does not fit workflow \"restore\""),
        ]
        for (arguments, message) in cases {
            let result = try FerryProcess.run(arguments, environment: environment)
            #expect(result.status != 0, "\(arguments) must fail")
            #expect(result.stderr.contains(message), "\(arguments): stderr was \(result.stderr)")
        }
    }

    /// Issue 12: the refused inputs above started no run.
    @Test func refusedInputsStartNoRun() throws {
        #expect(try ferry("migrate").status == 0)
        #expect(try ferry("runs", "start", "backup-cycle", "--input", "{}").status != 0)
        #expect(try json(ferry("runs", "list", "--json"))["runs"]?.arrayValue?.isEmpty == true)
    }

    /// Issue 12: an argument that is not UTF-8 is refused, not silently turned into U+FFFD.
    @Test func invalidUTF8ArgumentIsRefused() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", #""$0" runs start noop --input "$(printf '{"x": "\377"}')""#, FerryProcess.binary]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 64)
        #expect(stderr == "ferry: argument 5 (the value of --input) is not valid UTF-8\n")
    }

    /// Issue 12: a --since before any event (year 1) means "from the beginning", not a raw database error.
    @Test func historySinceYearOneListsEverything() throws {
        #expect(try ferry("migrate").status == 0)
        #expect(try ferry("runs", "start", "noop").status == 0)
        let result = try ferry("history", "--since", "0001-01-01T00:00:00Z", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try json(result)["events"]?.arrayValue?.contains { $0["kind"] == "run.created" } == true)
    }

    @Test func unreachableDatabaseIsOneLineWithoutPassword() throws {
        let result = try FerryProcess.run(["runs", "list"], environment: [
            "FERRY_DATABASE_URL": "postgresql://ferry:s3cret-pw@127.0.0.1:1/ferry?connect_timeout=2",
        ])
        #expect(result.status != 0)
        #expect(result.stderr.hasPrefix("ferry: database connection:"))
        #expect(!result.stderr.contains("s3cret-pw"))
        #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
    }

    @Test func refusesASchemaItDoesNotKnow() throws {
        #expect(try ferry("runs", "list").stderr.contains("run `ferry migrate`"))
    }
}
