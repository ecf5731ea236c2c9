import ArgumentParser

@main
struct Ferry: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ferry",
        abstract: "Keeps Amazon RDS databases recoverable in a second AWS region.",
        subcommands: [AWSCommand.self]
    )
}
