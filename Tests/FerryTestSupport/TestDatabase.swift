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

    /// A login role of its own (the test cluster trusts loopback connections, so it needs no password)
    /// that is a member of `granted` (`ferry_worker`, `ferry_auditor`), and the URL of `databaseURL` as it.
    /// Roles belong to the cluster: `dropLoginRole` removes it.
    public static func createLoginRole(granted: String, databaseURL: String) throws -> (name: String, url: String) {
        let name = "ferry_test_login_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try PostgresConnection(connectionString: databaseURL, applicationName: "ferry-tests")
        try admin.executeScript(unsafeSQL: "CREATE ROLE \(name) LOGIN IN ROLE \(granted)")
        guard var components = URLComponents(string: databaseURL) else { return (name, databaseURL) }
        components.user = name
        components.password = nil
        return (name, components.string ?? databaseURL)
    }

    /// Drops a role made by `createLoginRole`, with what it was granted in `databaseURL`'s database.
    public static func dropLoginRole(_ name: String, databaseURL: String) throws {
        let admin = try PostgresConnection(connectionString: databaseURL, applicationName: "ferry-tests")
        try admin.executeScript(unsafeSQL: """
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '\(name)';
            DROP OWNED BY \(name); DROP ROLE \(name)
            """)
    }
}
