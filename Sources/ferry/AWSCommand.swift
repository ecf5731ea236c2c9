import ArgumentParser

struct AWSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aws",
        abstract: "Checks Ferry's view of AWS."
    )
}
