import Foundation
import Testing
@testable import FerryEngine

struct WorkflowDefinitionTests {
    let actions: Set<String> = ["noop.sleep", "dr.snapshot"]

    @Test func parsesStepsDefaultsAndOverrides() throws {
        let definition = try WorkflowDefinition.parse(source: """
            name: backup-cycle
            description: test
            defaults:
              retry: {max_attempts: 4, initial_backoff: 2s, max_backoff: 1m}
              timeout: 2h
            steps:
              - name: snapshot
                action: dr.snapshot
              - name: await_snapshot
                action: dr.snapshot
                poll: {initial_interval: 30s, max_interval: 5m, multiplier: 1.5}
                retry: {max_attempts: 9}
                timeout: 1d
            """, file: "backup-cycle.yaml", knownActions: actions)
        #expect(definition.name == "backup-cycle")
        #expect(definition.steps.map(\.name) == ["snapshot", "await_snapshot"])
        #expect(definition.steps[0].retry == StepRetryPolicy(maxAttempts: 4, initialBackoff: 2, maxBackoff: 60, multiplier: 2))
        #expect(definition.steps[0].timeout == 7200)
        #expect(definition.steps[1].retry.maxAttempts == 9)
        #expect(definition.steps[1].retry.initialBackoff == 2)
        #expect(definition.steps[1].poll == StepPollPolicy(initialInterval: 30, maxInterval: 300, multiplier: 1.5))
        #expect(definition.steps[1].timeout == 86400)
        #expect(definition.version.count == 64)
    }

    @Test func versionIsTheContentHash() throws {
        let a = try WorkflowDefinition.parse(source: "name: a\nsteps: [{name: s, action: noop.sleep}]\n", file: "a", knownActions: actions)
        let b = try WorkflowDefinition.parse(source: "name: a\nsteps: [{name: s, action: noop.sleep}]\n", file: "b", knownActions: actions)
        let c = try WorkflowDefinition.parse(source: "name: a\nsteps: [{name: s, action: noop.sleep}] # x\n", file: "c", knownActions: actions)
        #expect(a.version == b.version)
        #expect(a.version != c.version)
    }

    @Test func reportsEveryProblemWithFileAndLine() {
        let source = """
            name: Bad_Name
            colour: blue
            steps:
              - name: first
                action: nope.missing
                retry: {max_attempts: 0, initial_backoff: 5x}
              - name: first
                action: noop.sleep
                timeout: soon
            """
        #expect {
            try WorkflowDefinition.parse(source: source, file: "bad.yaml", knownActions: actions)
        } throws: { error in
            let text = "\(error)"
            return text.contains("bad.yaml:1: name: \"Bad_Name\" must be lower-case")
                && text.contains("bad.yaml:2: colour: unknown key")
                && text.contains("bad.yaml:5: steps[0].action: unknown action \"nope.missing\"")
                && text.contains("bad.yaml:6: steps[0].retry.max_attempts: 0: must be 1-1000")
                && text.contains("steps[0].retry.initial_backoff: \"5x\"")
                && text.contains("bad.yaml:7: steps[1].name: \"first\" is already the name of an earlier step")
                && text.contains("bad.yaml:9: steps[1].timeout: \"soon\"")
        }
    }

    /// Issue 12: a duration no step can honour (`0s`, 10^20 days) is refused at load, with file and line.
    @Test func refusesDurationsOutsideSaneBounds() {
        let source = """
            name: bounds
            defaults:
              timeout: 0s
            steps:
              - name: forever
                action: noop.sleep
                timeout: 100000000000000000000d
              - name: endless_poll
                action: noop.sleep
                poll: {initial_interval: 0ms, max_interval: 2d}
            """
        #expect {
            try WorkflowDefinition.parse(source: source, file: "bounds.yaml", knownActions: actions)
        } throws: { error in
            let text = "\(error)"
            return text.contains("bounds.yaml:3: defaults.timeout: \"0s\": must be between 1ms and 30d")
                && text.contains("bounds.yaml:7: steps[0].timeout: \"100000000000000000000d\": must be between 1ms and 30d")
                && text.contains("bounds.yaml:10: steps[1].poll.initial_interval: \"0ms\": must be between 1ms and 1d")
                && text.contains("bounds.yaml:10: steps[1].poll.max_interval: \"2d\": must be between 1ms and 1d")
        }
    }

    @Test func reportsSyntaxErrorsWithLine() {
        #expect {
            try WorkflowDefinition.parse(source: "name: x\nsteps: [\n  - a\n", file: "broken.yaml", knownActions: actions)
        } throws: { error in "\(error)".hasPrefix("broken.yaml:") && "\(error)".contains("invalid YAML") }
    }

    @Test func plansRepeatsFromInput() throws {
        let definition = try WorkflowDefinition.parse(source: """
            name: noop
            steps:
              - {name: tick, action: noop.sleep, repeat: input.steps}
              - {name: done, action: noop.sleep}
            """, file: "noop.yaml", knownActions: actions)
        #expect(try definition.plan(input: ["steps": 3]).map(\.name) == ["tick.1", "tick.2", "tick.3", "done"])
        #expect(try definition.plan(input: [:]).map(\.name) == ["tick.1", "done"])
        #expect(throws: WorkflowInputError.self) { try definition.plan(input: ["steps": 0]) }
        #expect(throws: WorkflowInputError.self) { try definition.plan(input: ["steps": "five"]) }
        #expect(throws: WorkflowInputError.self) { try definition.plan(input: ["steps": 1_000_000]) }
    }

    @Test func shippedNoopWorkflowLoads() throws {
        var registry = ActionRegistry()
        BuiltinActions.register(into: &registry)
        let path = URL(fileURLWithPath: #filePath).appendingPathComponent("../../../workflows/noop.yaml").standardized.path
        let noop = try WorkflowDefinition.load(path: path, knownActions: registry.names)
        #expect(try noop.plan(input: ["steps": 5]).count == 5)
    }
}

struct DurationTextTests {
    @Test(arguments: [("500ms", 0.5), ("30s", 30), ("5m", 300), ("2h", 7200), ("7d", 604_800), ("1h30m", 5400), ("1.5s", 1.5), ("1s500ms", 1.5)])
    func parses(text: String, seconds: Double) throws {
        #expect(try DurationText.parse(text) == seconds)
    }

    @Test(arguments: ["", "5", "m", "5x", "-5s", "5 m", "30m1h", "1h1h"])
    func refuses(text: String) {
        #expect(throws: DurationTextError.self) { try DurationText.parse(text) }
    }

    @Test func refusesTotalsOutsideBoundsAndInfinity() throws {
        #expect(throws: DurationTextError(text: "0s", units: DurationText.Unit.allCases, problem: .outOfRange(0.001...60))) {
            try DurationText.parse("0s", bounds: 0.001...60)
        }
        #expect(throws: DurationTextError.self) { try DurationText.parse("2m", bounds: 0.001...60) }
        #expect(throws: DurationTextError.self) { try DurationText.parse(String(repeating: "9", count: 400) + "d") }
        #expect(try DurationText.parse("1m", bounds: 0.001...60) == 60)
    }

    @Test func formats() {
        #expect(DurationText.format(5400) == "1h30m")
        #expect(DurationText.format(0.25) == "250ms")
        #expect(DurationText.format(86400) == "1d")
    }
}
