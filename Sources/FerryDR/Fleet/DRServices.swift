public import FerryEngine

/// The DR work a `ferry worker` does besides performing steps. Every worker runs these; each is safe with
/// any number of workers running it at once.
public enum DRServices {
    public static func periodicTasks(runtime: DRRuntime, catalog: WorkflowCatalog) -> [PeriodicTask] {
        []
    }
}
