public import FerryAWS
public import FerryEngine

/// Registers the DR workflows' actions.
public enum DRActions {
    public static func register(into registry: inout ActionRegistry, aws: AWSContext) {
        BackupCycleActions(aws: aws).register(into: &registry)
        RestoreActions(aws: aws).register(into: &registry)
    }

    /// The action names, for loading workflow files where no AWS is configured (validation, tests).
    public static var names: Set<String> {
        var registry = ActionRegistry()
        register(into: &registry, aws: AWSContext.fromEnvironment())
        return registry.names
    }
}

/// AWS errors say themselves whether retrying may help (throttling, 5xx, network) or not.
extension AWSError: ClassifiedError {}
