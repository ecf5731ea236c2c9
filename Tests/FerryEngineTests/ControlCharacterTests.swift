import FerryPostgres
import FerryTestSupport
import Foundation
import Testing
@testable import FerryEngine

/// Text Ferry did not write (AWS error messages, actors) cannot forge a line or reach the terminal.
struct ControlCharacterTests {
    @Test(arguments: [
        ("plain text, ünïcode ✓", "plain text, ünïcode ✓"),
        ("two\nlines", "two\\nlines"),
        ("cr\rtab\t", "cr\\rtab\\t"),
        ("\u{1b}[31mred", "\\u{1b}[31mred"),
        ("nul\u{0}del\u{7f}c1\u{85}", "nul\\u{0}del\\u{7f}c1\\u{85}"),
        ("bidi \u{202e}gnp.exe", "bidi \\u{202e}gnp.exe"),
    ])
    func escapes(text: String, expected: String) {
        #expect(text.escapingControlCharacters == expected)
        #expect(text.hasNoControlCharacters == (text == expected))
    }
}

/// The same through the `ferry` binary: an error with a newline and an escape sequence, and an actor with one.
@Suite(.enabled(if: TestDatabase.isAvailable, "\(TestDatabase.unavailableMessage)"))
struct ControlCharacterOutputTests {
    @Test func errorsAndActorsArePrintedEscapedAndHostileActorsRefused() throws {
        let fixture = try EngineFixture()
        let environment = ["FERRY_DATABASE_URL": fixture.url, "FERRY_WORKFLOWS": EngineFixture.shippedWorkflows]
        let run = try fixture.start("noop")
        try fixture.registerWorker("w1")
        let claimed = try #require(try fixture.store.claim(workerID: "w1", leaseSeconds: 30))
        let forged = "boom\n2026-12-01T00:00:00Z info forged log line\u{1b}[2J"
        #expect(try fixture.store.fail(fence: LeaseFence(runID: run, epoch: claimed.leaseEpoch, stepIndex: 0, stepName: "tick.1", workerID: "w1"),
                                       failedAttempts: 1, polls: 0, error: forged))
        for arguments in [["runs", "list"], ["runs", "show", run.lowercasedString], ["history", "--run", run.lowercasedString]] {
            let result = try FerryProcess.run(arguments, environment: environment)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(!result.stdout.contains("\u{1b}") && !result.stdout.contains("forged log line\u{1b}"), "\(arguments): no escape sequence reaches the terminal")
            #expect(!result.stdout.contains("boom\n"), "\(arguments): no forged line")
            #expect(result.stdout.contains("boom\\n"), "\(arguments): the error is shown, escaped")
        }
        let hostile = try FerryProcess.run(["runs", "cancel", run.lowercasedString, "--actor", "eve\nroot"], environment: environment)
        #expect(hostile.status != 0 && hostile.stderr.contains("--actor must be 1-100 printable characters"), "\(hostile.stderr)")
        let long = try FerryProcess.run(["runs", "start", "noop", "--actor", String(repeating: "a", count: 101)], environment: environment)
        #expect(long.status != 0)
    }
}
