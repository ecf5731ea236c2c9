// ferry-bench: the engine's throughput on a real PostgreSQL, side by side with PostgreSQL's own commit floor
// measured in the same run. `scripts/bench` runs it on a throwaway cluster.
import ArgumentParser

@main
struct FerryBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ferry-bench",
        abstract: "Measures the workflow engine against PostgreSQL's commit floor (pgbench) on the same database.",
        subcommands: [Compare.self, BenchWorker.self],
        defaultSubcommand: Compare.self
    )
}
