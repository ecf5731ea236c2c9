import Foundation

/// Actions every worker has.
public enum BuiltinActions {
    /// `noop.sleep`: sleeps `input.sleep_ms` milliseconds (default 0) and does nothing else. The `noop`
    /// workflow uses it to smoke-test a deployment and to benchmark the engine.
    public static func register(into registry: inout ActionRegistry) {
        registry.register("noop.sleep", ClosureStepAction { context in
            let milliseconds = context.input["sleep_ms"]?.doubleValue ?? 0
            guard milliseconds >= 0, milliseconds <= 3_600_000 else {
                throw StepFailure.terminal("input sleep_ms must be 0-3600000")
            }
            if milliseconds > 0 { Thread.sleep(forTimeInterval: milliseconds / 1000) }
            return .done(.object([:]))
        })
    }
}
