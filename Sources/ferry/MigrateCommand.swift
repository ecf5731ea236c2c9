import ArgumentParser
import FerryEngine
import FerryDRSchema

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Applies the missing schema migrations (safe to run from several workers at once)."
    )

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try reportingErrors {
            let migrator = Migrator(connection: try database.connect(), components: DRSchema.all)
            let applied = try migrator.migrate()
            if applied.isEmpty {
                print("schema is current (\(migrator.binaryVersions))")
            } else {
                print("applied migrations \(applied.map(\.description).joined(separator: ", ")); schema is at \(migrator.binaryVersions)")
            }
        }
    }
}
