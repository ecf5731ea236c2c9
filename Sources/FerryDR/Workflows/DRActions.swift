public import FerryAWS
public import FerryEngine

/// The actions of the DR workflows.
public enum DRActions {
    /// Every action the `ferry` binary performs: the engine's built-in ones and the DR workflows'.
    public static func registry(aws: AWSContext) -> ActionRegistry {
        var registry = ActionRegistry()
        BuiltinActions.register(into: &registry)
        // Each DR action reads its run's input as one type: a run whose input does not decode is refused at the door.
        registry.register(requiringInput: { _ = try BackupCycleInput(json: $0) }) { BackupCycleActions(aws: aws).register(into: &$0) }
        registry.register(requiringInput: { _ = try RestoreInput(json: $0) }) { RestoreActions(aws: aws).register(into: &$0) }
        return registry
    }

    /// The names of those actions, for loading workflow files where no AWS is configured (validation, tests).
    public static var names: Set<String> {
        registry(aws: AWSContext.fromEnvironment()).names
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
