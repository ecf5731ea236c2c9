import Foundation

/// The workflows every ferry has besides its own.
public enum BuiltinWorkflows {
    /// `noop`: input `{"steps": N, "sleep_ms": M}` runs N `tick` steps that each sleep M ms and do nothing
    /// else (defaults: one step, no sleep). It smoke-tests a deployment and benchmarks the engine.
    public static let noop = WorkflowContract("noop", steps: [
        ContractStep("tick", repeatCount: "steps", ClosureStepAction { context in
            let milliseconds = context.input["sleep_ms"]?.doubleValue ?? 0
            guard milliseconds >= 0, milliseconds <= 3_600_000 else {
                throw StepFailure.terminal("input sleep_ms must be 0-3600000")
            }
            if milliseconds > 0 { Thread.sleep(forTimeInterval: milliseconds / 1000) }
            return .done(.object([:]))
        }),
    ])
}
