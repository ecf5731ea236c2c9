import Foundation
import Testing
@testable import FerryEngine

struct WorkflowDefinitionTests {
    let contracts = WorkflowContracts.declaring("backup-cycle", steps: ["snapshot", "await_snapshot"])

    @Test func parsesStepsDefaultsAndOverrides() throws {
        let definition = try WorkflowDefinition.parse(source: """
            name: backup-cycle
            description: test
            defaults:
              retry: {max_attempts: 4, initial_backoff: 2s, max_backoff: 1m}
              timeout: 2h
            steps:
              - name: snapshot
              - name: await_snapshot
                poll: {initial_interval: 30s, max_interval: 5m, multiplier: 1.5}
                retry: {max_attempts: 9}
                timeout: 1d
            """, file: "backup-cycle.yaml", contracts: contracts)
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
        let contracts = WorkflowContracts.declaring("a", steps: ["s"])
        let a = try WorkflowDefinition.parse(source: "name: a\nsteps: [{name: s}]\n", file: "a", contracts: contracts)
        let b = try WorkflowDefinition.parse(source: "name: a\nsteps: [{name: s}]\n", file: "b", contracts: contracts)
        let c = try WorkflowDefinition.parse(source: "name: a\nsteps: [{name: s}] # x\n", file: "c", contracts: contracts)
        #expect(a.version == b.version)
        #expect(a.version != c.version)
    }

    @Test func reportsEveryProblemWithFileAndLine() {
        let source = """
            name: backup-cycle
            colour: blue
            steps:
              - name: snapshot
                action: dr.snapshot
                retry: {max_attempts: 0, initial_backoff: 5x}
              - name: snapshot
                timeout: soon
            """
        #expect {
            try WorkflowDefinition.parse(source: source, file: "bad.yaml", contracts: contracts)
        } throws: { error in
            let text = "\(error)"
            return text.contains("bad.yaml:2: colour: unknown key")
                && text.contains("bad.yaml:5: steps[0].action: unknown key")
                && text.contains("bad.yaml:6: steps[0].retry.max_attempts: 0: must be 1-1000")
                && text.contains("steps[0].retry.initial_backoff: \"5x\"")
                && text.contains("bad.yaml:7: steps[1].name: \"snapshot\" is already the name of an earlier step")
                && text.contains("bad.yaml:8: steps[1].timeout: \"soon\"")
        }
    }

    /// The contract declares the workflow, its steps and their order; the file may only give their policies.
    @Test(arguments: [
        ("name: nope\nsteps: [{name: a}]\n", "x.yaml:1: name: this ferry has no workflow \"nope\" (it has: flow)"),
        ("name: flow\nsteps: [{name: a}, {name: c}]\n", "x.yaml:2: steps[1].name: \"c\" is not a step of workflow flow (it declares: a, b)"),
        ("name: flow\nsteps: [{name: a}]\n", "x.yaml:2: steps: must list the steps of workflow flow in its order: a, b"),
        ("name: flow\nsteps: [{name: b}, {name: a}]\n", "x.yaml:2: steps: must list the steps of workflow flow in its order: a, b"),
        ("name: flow\nsteps: []\n", "x.yaml:2: steps: must list the steps of workflow flow in its order: a, b"),
        ("name: flow\nsteps: [{name: a}, {name: b}]\n",
         "x.yaml:1: compensation: workflow flow undoes what it made with undo: give each its range (from, through) under compensation"),
        ("name: flow\nsteps: [{name: a}, {name: b}]\ncompensation: [{name: undo, from: a}, {name: redo, from: b}]\n",
         "x.yaml:3: compensation[1].name: \"redo\" is not a step of workflow flow (it declares: undo)"),
        ("name: flow\nsteps: [{name: a, repeat: input.n}, {name: b}]\ncompensation: [{name: undo, from: a}]\n",
         "x.yaml:2: steps[0].repeat: unknown key (expected one of: name, poll, retry, timeout)"),
    ])
    func refusesWhatTheContractDoesNotDeclare(source: String, problem: String) {
        let contracts = WorkflowContracts.declaring("flow", steps: ["a", "b"], compensation: ["undo"])
        #expect {
            try WorkflowDefinition.parse(source: source, file: "x.yaml", contracts: contracts)
        } throws: { error in
            "\(error)".split(separator: "\n").contains { $0 == problem }
        }
    }

    /// A definition recorded before workflows had contracts names each step's action (and repeat): a run
    /// started under it still reads it back, taking the steps' code and repeats from the contract.
    @Test func readsDefinitionsRecordedBeforeContracts() throws {
        let contracts = WorkflowContracts.declaring("noop", steps: ["tick"], repeats: ["tick": "steps"])
        let recorded = "name: noop\nsteps:\n  - name: tick\n    action: noop.sleep\n    repeat: input.steps\n    timeout: 1h\n"
        let definition = try WorkflowDefinition.parse(source: recorded, file: "recorded", contracts: contracts, recorded: true)
        #expect(try definition.plan(input: ["steps": 3]).map(\.name) == ["tick.1", "tick.2", "tick.3"])
        #expect(definition.steps[0].timeout == 3600)
        #expect(throws: YAMLProblems.self) { try WorkflowDefinition.parse(source: recorded, file: "workflows/noop.yaml", contracts: contracts) }
    }

    /// Issue 12: a duration no step can honour (`0s`, 10^20 days) is refused at load, with file and line.
    @Test func refusesDurationsOutsideSaneBounds() {
        let source = """
            name: bounds
            defaults:
              timeout: 0s
            steps:
              - name: forever
                timeout: 100000000000000000000d
              - name: endless_poll
                poll: {initial_interval: 0ms, max_interval: 2d}
            """
        #expect {
            try WorkflowDefinition.parse(source: source, file: "bounds.yaml",
                                         contracts: .declaring("bounds", steps: ["forever", "endless_poll"]))
        } throws: { error in
            let text = "\(error)"
            return text.contains("bounds.yaml:3: defaults.timeout: \"0s\": must be between 1ms and 30d")
                && text.contains("bounds.yaml:6: steps[0].timeout: \"100000000000000000000d\": must be between 1ms and 30d")
                && text.contains("bounds.yaml:8: steps[1].poll.initial_interval: \"0ms\": must be between 1ms and 1d")
                && text.contains("bounds.yaml:8: steps[1].poll.max_interval: \"2d\": must be between 1ms and 1d")
        }
    }

    @Test func reportsSyntaxErrorsWithLine() {
        #expect {
            try WorkflowDefinition.parse(source: "name: x\nsteps: [\n  - a\n", file: "broken.yaml", contracts: contracts)
        } throws: { error in "\(error)".hasPrefix("broken.yaml:") && "\(error)".contains("invalid YAML") }
    }

    @Test func plansRepeatsFromInput() throws {
        let definition = try WorkflowDefinition.parse(source: """
            name: noop
            steps:
              - {name: tick}
              - {name: done}
            """, file: "noop.yaml", contracts: .declaring("noop", steps: ["tick", "done"], repeats: ["tick": "steps"]))
        #expect(try definition.plan(input: ["steps": 3]).map(\.name) == ["tick.1", "tick.2", "tick.3", "done"])
        #expect(try definition.plan(input: [:]).map(\.name) == ["tick.1", "done"])
        #expect(throws: WorkflowInputError.self) { try definition.plan(input: ["steps": 0]) }
        #expect(throws: WorkflowInputError.self) { try definition.plan(input: ["steps": "five"]) }
        #expect(throws: WorkflowInputError.self) { try definition.plan(input: ["steps": 1_000_000]) }
    }

    @Test func shippedNoopWorkflowLoads() throws {
        let path = URL(fileURLWithPath: #filePath).appendingPathComponent("../../../workflows/noop.yaml").standardized.path
        let noop = try WorkflowDefinition.load(path: path, contracts: WorkflowContracts([BuiltinWorkflows.noop]))
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
