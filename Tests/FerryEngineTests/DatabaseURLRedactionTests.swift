import FerryTestSupport
import Foundation
import Testing

/// A database URL that libpq cannot use must not put its password on the screen, in a log or in `--json`
/// output: libpq quotes what it cannot parse, sometimes the whole string. Each form is given to the real
/// `ferry` binary, by option and by environment, to commands that print, log and answer in JSON.
struct DatabaseURLRedactionTests {
    /// Distinctive enough that any piece of it in the output is a leak.
    static let password = "Sw0rdf1sh-q7Zx"
    static let stem = "Sw0rdf1sh"

    static let malformed: [String] = [
        "postgresql://ferry:\(password)%zz@127.0.0.1:1/db",                 // bad escape in the password
        "postgresql://ferry:\(password)@[::1/db",                           // unclosed [ of an IPv6 host
        "postgres://ferry:\(password)@127.0.0.1:1,[::1/db",                 // the same in a host list
        "postgresql://127.0.0.1:1/db?password=\(password)%zz",              // bad escape in ?password=
        "postgresql://127.0.0.1:1/db?password=\(password)&bogus=1",         // unknown query parameter
        "postgresql://ferry:\(password)/x@127.0.0.1:1/db",                  // unescaped / in the password
        "postgresql://ferry:\(password)@127.0.0.1:1/db?connect_timeout=2",  // well-formed, refused
        "host=127.0.0.1 port=1 password=\(password) bogus",                 // keyword without =
        "host=127.0.0.1 port=1 password='\(password) dbname=x",             // unclosed quote
        "host=127.0.0.1 port=1 password='\(password) \\' x' connect_timeout=2", // quoted, escaped, refused
        "host=127.0.0.1 port=x\(password) password=\(password)",            // a bad port next to it
        " postgresql://ferry:\(password)@127.0.0.1:1/db",                 // not a URI to libpq: quoted whole
    ]

    @Test(arguments: malformed)
    func noOutputShowsThePassword(url: String) throws {
        let environment = ["FERRY_WORKFLOWS": EngineFixture.shippedWorkflows, "FERRY_LOG_LEVEL": "debug",
                           "FERRY_CONFIG": "/nonexistent/ferry.yaml"]
        let runs: [(arguments: [String], environment: [String: String])] = [
            (["runs", "list", "--database-url", url], environment),
            (["runs", "list", "--json"], environment.merging(["FERRY_DATABASE_URL": url]) { $1 }),
            (["migrate"], environment.merging(["FERRY_DATABASE_URL": url]) { $1 }),
            (["worker", "--database-url", url], environment),
            (["history", "--json", "--database-url", url], environment),
        ]
        for run in runs {
            let result = try FerryProcess.run(run.arguments, environment: run.environment)
            let output = result.stdout + result.stderr
            #expect(result.status != 0, "\(run.arguments): \(output)")
            #expect(output.components(separatedBy: Self.stem).count - 1 == 0, "\(run.arguments) printed the password: \(output)")
            #expect(result.stderr.contains("ferry: database connection:"), "\(run.arguments): \(output)")
        }
    }
}
