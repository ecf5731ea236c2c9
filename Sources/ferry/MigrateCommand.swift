import ArgumentParser
import FerryEngine

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Applies the missing schema migrations (safe to run from several workers at once)."
    )

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try reportingErrors {
            let applied = try Migrator(connection: try database.connect()).migrate()
            if applied.isEmpty {
                print("schema is current (version \(Migrator.binaryVersion))")
            } else {
                print("applied migrations \(applied.map(String.init).joined(separator: ", ")); schema is at version \(Migrator.binaryVersion)")
            }
        }
    }
}
