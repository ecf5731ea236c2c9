public import FerryAWS
public import FerryEngine

/// The workflows the `ferry` binary runs: the engine's built-in ones and the DR workflows.
public enum DRWorkflows {
    /// Their contracts, whose steps call AWS as `aws` says (credentials, endpoints, retries), each worker slot
    /// through its own `AWSSession`.
    public static func contracts(aws: AWSContext) -> WorkflowContracts {
        let restore = RestoreActions(aws: aws)
        return WorkflowContracts([
            BuiltinWorkflows.noop,
            BackupCycle.contract(BackupCycleActions(aws: aws)),
            RestoreWorkflow.contract(restore),
            RestoreWorkflow.drillContract(restore),
        ])
    }

    /// Their contracts, for loading and checking workflow files and inputs where no AWS call is made.
    public static var declared: WorkflowContracts {
        contracts(aws: AWSContext.fromEnvironment())
    }
}

extension StepContext {
    /// The AWS session of the slot performing the step, made on its first step that calls AWS.
    func aws(_ aws: AWSContext) -> AWSSession {
        slot.value(of: AWSSession.self) { AWSSession(aws) }
    }
}

/// Refuses a resource that exists under the name this run derived but does not carry this run's
/// `ferry:run-id` tag: Ferry never adopts, or later deletes, what another run or a person made.
func requireMadeByThisRun(tags: [String: String], _ what: String, _ context: StepContext) throws {
    guard tags[FerryTags.runID] == context.runID.lowercasedString else {
        throw StepFailure.terminal("\(what) already exists and was not made by this run (its \(FerryTags.runID) tag is \(tags[FerryTags.runID] ?? "missing")); Ferry will not adopt or delete it")
    }
}

/// AWS errors say themselves whether retrying may help (throttling, 5xx, network) or not.
extension AWSError: ClassifiedError {}
