import ArgumentParser
import FerryEngine
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

    /// Refuses an argument that is not UTF-8 before parsing: `CommandLine.arguments` would silently turn its
    /// bytes into U+FFFD, so a run could start with an input nobody wrote.
    static func main() {
        for index in 1..<Int(CommandLine.argc) {
            guard let raw = CommandLine.unsafeArgv[index], String(validatingCString: raw) == nil else { continue }
            let previous = index > 1 ? CommandLine.unsafeArgv[index - 1].flatMap { String(validatingCString: $0) } : nil
            let place = previous.map { $0.hasPrefix("-") ? " (the value of \($0))" : "" } ?? ""
            FileHandle.standardError.write(Data("ferry: argument \(index)\(place) is not valid UTF-8\n".utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        main(nil)
    }
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
            FileHandle.standardError.write(Data("ferry: \("\(error)".escapingControlCharacters)\n".utf8))
            throw ExitCode.failure
        }
    }
}
