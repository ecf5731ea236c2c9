import FerryTestSupport
import Foundation
import Testing
@testable import FerryPostgres

@Suite(.enabled(if: TestDatabase.isAvailable, "\(TestDatabase.unavailableMessage)"))
struct PostgresConnectionTests {
    let url: String
    let connection: PostgresConnection

    init() throws {
        url = try TestDatabase.create()
        connection = try PostgresConnection(connectionString: url)
    }

    @Test func valuesTravelAsParametersNotSQL() throws {
        let hostile = "'); DROP TABLE users; --"
        let id = UUID()
        let row = try #require(try connection.query("""
            SELECT \(hostile)::text AS text, \(42)::int AS number, \(true)::bool AS flag, \(id)::uuid AS id,
                \(Optional<String>.none)::text AS missing, \(["a", "b\"c"])::text[] AS list
            """).first)
        #expect(try row.decode("text", as: String.self) == hostile)
        #expect(try row.decode("number", as: Int.self) == 42)
        #expect(try row.decode("flag", as: Bool.self) == true)
        #expect(try row.decode("id", as: UUID.self) == id)
        #expect(try row.decode("missing", as: String?.self) == nil)
        #expect(try row.decode("list", as: String.self) == #"{a,"b\"c"}"#)
        #expect(throws: PostgresError.self) { try row.decode("missing", as: String.self) }
        #expect(throws: PostgresError.self) { try row.decode("text", as: Int.self) }
        #expect(throws: PostgresError.self) { try row.decode("nope", as: Int.self) }
    }

    /// A shared fragment's parameters follow the statement's own, renumbered, wherever it is embedded.
    @Test func fragmentsBringTheirParameters() throws {
        let fragment: PostgresQuery = "\(7)::int + \(35)::int AS sum"
        let query: PostgresQuery = "SELECT \("before")::text AS before, \(fragment: fragment), \("after")::text AS after"
        #expect(query.sql == "SELECT $1::text AS before, $2::int + $3::int AS sum, $4::text AS after")
        #expect(query.parameters == ["before", "7", "35", "after"])
        let row = try #require(try connection.query(query).first)
        #expect(try row.decode("before", as: String.self) == "before")
        #expect(try row.decode("sum", as: Int.self) == 42)
        #expect(try row.decode("after", as: String.self) == "after")
    }

    @Test func timestampsRoundTripToTheMicrosecond() throws {
        let date = Date(timeIntervalSince1970: 1_795_000_000.123456)
        let back: Date = try #require(try connection.query("SELECT \(date)::timestamptz AS at").first).decode("at")
        #expect(abs(back.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.000_002)
        #expect(PostgresTimestamp.parse("2026-11-25 13:14:21.5+00")?.timeIntervalSince1970 == 1_795_612_461.5)
        #expect(PostgresTimestamp.parse("2026-11-25 15:14:21+02")?.timeIntervalSince1970 == 1_795_612_461)
        #expect(PostgresTimestamp.parse("yesterday") == nil)
        #expect(PostgresTimestamp.format(Date(timeIntervalSince1970: 1_795_612_461.5)) == "2026-11-25T13:14:21.500000Z")
        #expect(PostgresTimestamp.format(Date(timeIntervalSince1970: -1.000_001)) == "1969-12-31T23:59:58.999999Z")
    }

    @Test func transactionsRollBackOnError() throws {
        try connection.executeScript(unsafeSQL: "CREATE TABLE t (id int PRIMARY KEY)")
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try connection.transaction {
                try connection.execute("INSERT INTO t VALUES (\(1))")
                throw Abort()
            }
        }
        #expect(throws: PostgresError.self) {
            try connection.transaction {
                try connection.execute("INSERT INTO t VALUES (\(2))")
                try connection.execute("INSERT INTO t VALUES (\(2))")
            }
        }
        _ = try connection.transaction { try connection.execute("INSERT INTO t VALUES (\(3))") }
        #expect(try connection.query("SELECT id FROM t").map { try $0.decode("id", as: Int.self) } == [3])
    }

    @Test func serverErrorsCarrySQLState() throws {
        try connection.executeScript(unsafeSQL: "CREATE TABLE u (id int PRIMARY KEY); INSERT INTO u VALUES (1)")
        do {
            try connection.execute("INSERT INTO u VALUES (\(1))")
            Issue.record("a duplicate key must throw")
        } catch let error as PostgresError {
            #expect(error.kind == .server && error.isUniqueViolation)
            #expect(error.description.hasPrefix("database error 23505:"))
        }
    }

    @Test func reconnectsAfterTheBackendIsTerminated() throws {
        let admin = try PostgresConnection(connectionString: url)
        let pid = connection.backendPID
        try admin.execute("SELECT pg_terminate_backend(\(pid))")
        #expect(throws: PostgresError.self) { try connection.query("SELECT 1 AS one") }
        let one: Int = try #require(try connection.query("SELECT 1 AS one").first).decode("one")
        #expect(one == 1 && connection.backendPID != pid)
    }

    @Test func listenReceivesNotifications() throws {
        let listener = try PostgresConnection(connectionString: url)
        try listener.listen("ferry_test")
        #expect(try listener.waitForNotifications(timeout: 0.05).isEmpty)
        try connection.execute("SELECT pg_notify('ferry_test', \("hello"))")
        var received: [PostgresNotification] = []
        for _ in 0..<100 where received.isEmpty { received = try listener.waitForNotifications(timeout: 0.1) }
        #expect(received == [PostgresNotification(channel: "ferry_test", payload: "hello")])
    }

    @Test func connectionErrorsNeverShowThePassword() {
        #expect {
            try PostgresConnection(connectionString: "postgresql://ferry:hunter2@127.0.0.1:1/db?connect_timeout=1")
        } throws: { error in
            !"\(error)".contains("hunter2") && (error as? PostgresError)?.kind == .connection
        }
    }
}

struct RedactionTests {
    @Test(arguments: [
        ("postgresql://ferry:hunter2@db:5432/ferry", "postgresql://ferry:***@db:5432/ferry"),
        ("postgresql://db/ferry?user=x&password=hunter2", "postgresql://db/ferry?user=x&password=***"),
        ("host=db user=x password=hunter2 dbname=ferry", "host=db user=x password=*** dbname=ferry"),
        ("host=db password='hu nter2' dbname=ferry", "host=db password=*** dbname=ferry"),
        ("postgresql://ferry@db/ferry", "postgresql://ferry@db/ferry"),
    ])
    func redacts(input: String, expected: String) {
        #expect(redactedConnectionString(input) == expected)
    }
}
