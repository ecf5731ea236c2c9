import Foundation
import Testing
@testable import FerryPostgres

/// What libpq says about a connection string it cannot use reaches `PostgresError` without the password.
struct ConnectionSecretsTests {
    static let password = "Sw0rdf1sh-q7Zx"

    @Test(arguments: [
        "postgresql://ferry:\(password)%zz@127.0.0.1:1/db",
        "postgresql://ferry:\(password)@[::1/db",
        "postgres://ferry:\(password)@127.0.0.1:1,[::1/db",
        "postgresql://127.0.0.1:1/db?password=\(password)%zz",
        "postgresql://ferry:\(password)/x@127.0.0.1:1/db",
        "postgresql://ferry:\(password)@127.0.0.1:1/db?sslmode=\(password)",
        "postgresql://ferry:\(password)@127.0.0.1:1/db?port=x\(password)",
        "host=127.0.0.1 port=1 password='\(password) dbname=x",
        "host=127.0.0.1 port=x\(password) password=\(password)",
        " postgresql://ferry:\(password)@127.0.0.1:1/db", // a keyword string to libpq, quoted whole
        "postgresql://ferry:Sw0rd%66ish@127.0.0.1:1/db?connect_timeout=2", // decoded by libpq: Sw0rdfish
    ])
    func connectionErrorsNeverQuoteThePassword(conninfo: String) {
        do {
            _ = try PostgresConnection(connectionString: conninfo)
            Issue.record("connecting with \(conninfo) must fail")
        } catch let error as PostgresError {
            #expect(error.kind == .connection)
            #expect(!error.description.contains("Sw0rd"), "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func libpqMessagesKeepWhatIsNotAPassword() {
        let secrets = ConnectionSecrets("postgresql://ferry:\(Self.password)@[::1/db")
        #expect(secrets.redact(#"end of string reached when looking for matching "]" in IPv6 host address in URI: "postgresql://ferry:\#(Self.password)@[::1/db""#)
                == #"end of string reached when looking for matching "]" in IPv6 host address in URI: "postgresql://ferry:***@[::1/db""#)
        let slash = ConnectionSecrets("postgresql://ferry:\(Self.password)/x@127.0.0.1:1/db")
        #expect(slash.redact(#"invalid integer value "\#(Self.password)" for connection option "port""#)
                == #"invalid integer value "***" for connection option "port""#)
        let plain = ConnectionSecrets("host=db password=hunter2")
        #expect(plain.redact(#"connection to server at "db" (10.0.0.1), port 5432 failed"#)
                == #"connection to server at "db" (10.0.0.1), port 5432 failed"#)
        let query = ConnectionSecrets("postgresql://db/x?password=\(Self.password)&bogus=1")
        #expect(query.redact(#"invalid URI query parameter: "bogus""#) == #"invalid URI query parameter: "bogus""#)
        #expect(ConnectionSecrets("ferry").candidates.isEmpty)
    }

    @Test(arguments: [
        ("postgresql://ferry:p%zz@db/x", "postgresql://ferry:***@db/x"),
        ("postgresql://ferry:pw@[::1/x", "postgresql://ferry:***@[::1/x"),
        ("postgresql://ferry:a@b@db/x", "postgresql://ferry:***@db/x"),
        ("host=db password='unclosed dbname=x", "host=db password=***"),
        ("host=db PASSWORD = secret", "host=db password=***"),
        ("postgresql://db/x?sslmode=require&password=s%zz#frag", "postgresql://db/x?sslmode=require&password=***#frag"),
    ])
    func redactsMalformedStrings(input: String, expected: String) {
        #expect(redactedConnectionString(input) == expected)
    }
}
