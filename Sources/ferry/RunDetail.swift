import FerryEngine
import Foundation

/// `ferry runs show`: the run and each step of its plan. JSON fields are the CodingKeys below.
struct RunDetail: Encodable {
    struct Step: Encodable {
        var index: Int
        var name: String
        /// succeeded, running, waiting, retrying, failed, cancelled or pending.
        var status: String
        var attempts: Int
        var polls: Int
        var startedAt: Date?
        var finishedAt: Date?
        var output: JSONValue?
        var error: String?

        enum CodingKeys: String, CodingKey {
            case index, name, status, attempts, polls, output, error
            case startedAt = "started_at"
            case finishedAt = "finished_at"
        }
    }

    var run: RunSummary
    var input: JSONValue
    var steps: [Step]

    static func load(_ run: RunSummary, runID: UUID, store: RunStore, catalog: WorkflowCatalog) throws -> RunDetail {
        let input = try store.runInput(id: runID)
        let definition = try catalog.definition(version: run.definitionVersion, store: store)
        let mainPlan = try definition.plan(input: input)
        // A run that stopped performs its compensation steps after its own.
        let plan = mainPlan + (run.stoppedAtStep.map { definition.compensationPlan(stoppedAt: $0, plan: mainPlan) } ?? [])
        let checkpoints = Dictionary(try store.checkpoints(runID: runID).map { ($0.stepIndex, $0) }, uniquingKeysWith: { $1 })
        let steps = plan.enumerated().map { index, planned -> Step in
            if let done = checkpoints[index] {
                return Step(index: index, name: planned.name, status: "succeeded", attempts: done.attempts, polls: done.polls,
                            startedAt: done.startedAt, finishedAt: done.finishedAt, output: done.output, error: nil)
            }
            if index == run.stoppedAtStep {
                return Step(index: index, name: planned.name, status: "stopped", attempts: 0, polls: 0, error: run.stopReason)
            }
            guard index == run.stepIndex else {
                return Step(index: index, name: planned.name, status: run.stoppedAtStep.map { index < mainPlan.count && index > $0 } == true ? "skipped" : "pending",
                            attempts: 0, polls: 0)
            }
            let status = switch run.status {
            case .waiting where run.stepAttempt > 0 && run.lastError != nil: "retrying"
            default: run.status.rawValue
            }
            return Step(index: index, name: planned.name, status: status, attempts: run.stepAttempt, polls: run.stepPolls,
                        startedAt: nil, finishedAt: nil, output: nil, error: run.lastError)
        }
        return RunDetail(run: run, input: input, steps: steps)
    }

    func printText() {
        print("run       \(run.id)")
        print("workflow  \(run.workflow) (version \(run.definitionVersion.prefix(12)))")
        print("status    \(run.status.rawValue)\(run.cancelRequestedBy.map { " (cancel requested by \($0.escapingControlCharacters))" } ?? "")")
        print("input     \(input.jsonText)")
        print("created   \(Output.timestamp(run.createdAt)) by \(run.createdBy.escapingControlCharacters)")
        print("finished  \(Output.timestamp(run.finishedAt))")
        if let error = run.lastError { print("error     \(error.escapingControlCharacters)") }
        if let reason = run.stopReason {
            let undone = run.compensatedAt.map { "undone at \(Output.timestamp($0))" } ?? "undoing what it made"
            print("stopped   \(reason.escapingControlCharacters) (\(undone))")
        }
        print("")
        Output.printTable(header: ["#", "STEP", "STATUS", "ATTEMPTS", "POLLS", "STARTED", "FINISHED", "OUTPUT/ERROR"], rows: steps.map { step in
            [String(step.index), step.name, step.status, String(step.attempts), String(step.polls),
             Output.timestamp(step.startedAt), Output.timestamp(step.finishedAt),
             step.error ?? step.output.map { String($0.jsonText.prefix(100)) } ?? ""]
        })
    }
}
