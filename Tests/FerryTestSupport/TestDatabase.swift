import FerryPostgres
import Foundation

/// The throwaway PostgreSQL cluster that `scripts/test` starts (FERRY_TEST_DATABASE_URL). Each test gets
/// a database of its own, so tests run in parallel without seeing each other's rows.
public enum TestDatabase {
    public static let serverURL = ProcessInfo.processInfo.environment["FERRY_TEST_DATABASE_URL"]

    public static var isAvailable: Bool { serverURL != nil }

    public static let unavailableMessage = "FERRY_TEST_DATABASE_URL is not set: run the tests with scripts/test, which starts PostgreSQL"

    /// Creates an empty database and returns its URL.
    public static func create() throws -> String {
        guard let serverURL else { throw PostgresError(kind: .usage, message: unavailableMessage) }
        let name = "ferry_test_\(UUID().uuidString.prefix(13).lowercased().replacingOccurrences(of: "-", with: "_"))"
        let admin = try PostgresConnection(connectionString: serverURL, applicationName: "ferry-tests")
        try admin.executeScript(unsafeSQL: "CREATE DATABASE \(name)")
        return url(serverURL, database: name)
    }

    /// The same server URL with another database name.
    static func url(_ serverURL: String, database: String) -> String {
        guard var components = URLComponents(string: serverURL) else { return serverURL }
        components.path = "/" + database
        return components.string ?? serverURL
    }
}
