public import FerryEngine

/// The contracts of the crash-test workflows (`Tests/CrashTestWorker/workflows`), declared once for the
/// crash-test worker, which performs their steps, and the engine tests, which start their runs.
public enum CrashTestWorkflows {
    /// `crash-test`: first (effect), wait (waits once), effect × input.steps. `compensate-test`: prepare, hold
    /// (a permit), make, park, finish (each `step`), undone by undo_make and undo_hold.
    public static func contracts(
        effect: any StepAction, waitOnce: any StepAction, step: any StepAction, holdPermit: any StepAction, undo: any StepAction
    ) -> WorkflowContracts {
        WorkflowContracts([
            BuiltinWorkflows.noop,
            WorkflowContract("crash-test", steps: [
                ContractStep("first", effect), ContractStep("wait", waitOnce), ContractStep("effect", repeatCount: "steps", effect),
            ]),
            WorkflowContract("compensate-test", steps: [
                ContractStep("prepare", step), ContractStep("hold", holdPermit), ContractStep("make", step),
                ContractStep("park", step), ContractStep("finish", step),
            ], compensation: [ContractStep("undo_make", undo), ContractStep("undo_hold", undo)]),
        ])
    }

    /// The same contracts for a process that only starts and inspects runs: its steps are performed by the
    /// crash-test worker, never here.
    public static var declared: WorkflowContracts {
        let elsewhere = ClosureStepAction { context in
            throw StepFailure.terminal("step \(context.stepName) is performed by the crash-test worker only")
        }
        return contracts(effect: elsewhere, waitOnce: elsewhere, step: elsewhere, holdPermit: elsewhere, undo: elsewhere)
    }
}
