import ArgumentParser
import Foundation

@main
struct Ferry: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ferry",
        abstract: "Keeps Amazon RDS databases recoverable in a second AWS region.",
        subcommands: [
            MigrateCommand.self, WorkerCommand.self, RunsCommand.self, HistoryCommand.self,
            SchedulesCommand.self, ConfigCommand.self, BackupCommand.self, RestoreCommand.self, DrillCommand.self,
            StatusCommand.self, PlanCommand.self, CatalogCommand.self, AWSCommand.self,
        ]
    )
}

/// Prints one clear line on stderr and exits non-zero: how every command reports a failure.
struct FailureExit: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension ParsableCommand {
    /// Runs `body`, turning any error into `ferry: <message>` on stderr and exit status 1.
    func reportingErrors(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch {
            FileHandle.standardError.write(Data("ferry: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
