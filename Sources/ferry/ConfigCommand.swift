import ArgumentParser
import FerryDR

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Checks Ferry's configuration file.",
        subcommands: [Validate.self]
    )

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reports every problem in the configuration at once, each with its line and path; exits 1 if there is any.")

        @OptionGroup var config: ConfigOptions

        func run() throws {
            try reportingErrors {
                let loaded = try config.load()
                print("\(config.path): valid (\(loaded.databases.count) database rules, primary \(loaded.primaryRegion), DR \(loaded.drRegion))")
            }
        }
    }
}
