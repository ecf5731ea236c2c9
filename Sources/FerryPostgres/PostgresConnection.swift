import CLibPQ
import Foundation

/// One libpq connection, used by one thread at a time.
///
/// Every statement is sent with bind parameters and prepared once per connection, so the hot path costs
/// one round trip. A broken connection (server restarted, backend terminated) is re-established on the
/// next call; the call that saw it break throws a `.connection` error, because whether its statement ran
/// is unknown.
public final class PostgresConnection {
    private var handle: OpaquePointer?
    private let connectionString: String
    private let secrets: ConnectionSecrets
    private var preparedStatementNames: [StatementText: String] = [:]
    private var transactionDepth = 0

    /// Connects with a libpq URI (`postgresql://…`) or keyword/value string; an empty string means libpq's
    /// `PG*` environment variables. Sessions run in UTC with ISO dates. `connectTimeoutSeconds` bounds each
    /// connection attempt unless the connection string sets `connect_timeout` itself.
    public init(connectionString: String, applicationName: String = "ferry", connectTimeoutSeconds: Int = 10) throws {
        self.connectionString = connectionString
        self.secrets = ConnectionSecrets(connectionString)
        self.applicationName = applicationName
        self.connectTimeoutSeconds = connectTimeoutSeconds
        try connect()
    }

    private let applicationName: String
    private let connectTimeoutSeconds: Int

    deinit {
        PQfinish(handle)
    }

    /// Closes the connection; the next statement opens it again.
    public func close() {
        PQfinish(handle)
        handle = nil
        preparedStatementNames.removeAll()
    }

    /// The server process id of this connection (for `pg_terminate_backend` in tests and diagnostics).
    public var backendPID: Int32 { handle.map { PQbackendPID($0) } ?? 0 }

    private func connect() throws {
        // Earlier keywords are defaults: `dbname` is expanded from the URI and overrides them.
        let keywords = ["connect_timeout", "application_name", "dbname"]
        let values = [String(connectTimeoutSeconds), applicationName, connectionString]
        let connection = withCStrings(keywords) { keywordPointers in
            withCStrings(values) { valuePointers in
                PQconnectdbParams(keywordPointers + [nil], valuePointers + [nil], 1)
            }
        }
        guard let connection, PQstatus(connection) == CONNECTION_OK else {
            let message = connection.map { Self.errorMessage(of: $0) } ?? "out of memory"
            PQfinish(connection)
            throw PostgresError(kind: .connection, message: secrets.redact(message))
        }
        handle = connection
        preparedStatementNames.removeAll()
        try executeScript(unsafeSQL: "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'iso_8601'")
    }

    private func connectedHandle() throws -> OpaquePointer {
        if let handle, PQstatus(handle) == CONNECTION_OK { return handle }
        if transactionDepth > 0 {
            throw PostgresError(kind: .connection, message: "connection lost inside a transaction")
        }
        close()
        try connect()
        return handle!
    }

    /// Runs one statement and returns its rows.
    @discardableResult
    public func query(_ query: PostgresQuery) throws -> PostgresRows {
        let connection = try connectedHandle()
        let statementName = try prepare(query.sql, on: connection, parameterCount: query.parameters.count)
        let result = withOptionalCStrings(query.parameters) { values in
            PQexecPrepared(connection, statementName, Int32(values.count), values, nil, nil, 0)
        }
        return try rows(from: result, connection: connection)
    }

    /// Runs one statement and returns how many rows it changed.
    @discardableResult
    public func execute(_ query: PostgresQuery) throws -> Int {
        try self.query(query).affectedRows
    }

    /// Runs SQL text with no parameters, possibly several statements (migrations, session settings).
    /// Only for SQL that the program itself owns.
    public func executeScript(unsafeSQL sql: String) throws {
        let connection = try connectedHandle()
        _ = try rows(from: PQexec(connection, sql), connection: connection)
    }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        guard transactionDepth == 0 else {
            throw PostgresError(kind: .usage, message: "transactions do not nest")
        }
        try executeScript(unsafeSQL: "BEGIN")
        transactionDepth = 1
        do {
            let value = try body()
            transactionDepth = 0
            try executeScript(unsafeSQL: "COMMIT")
            return value
        } catch {
            transactionDepth = 0
            if let handle, PQstatus(handle) == CONNECTION_OK {
                _ = try? executeScript(unsafeSQL: "ROLLBACK")
            }
            throw error
        }
    }

    private func prepare(_ sql: String, on connection: OpaquePointer, parameterCount: Int) throws -> String {
        if let name = preparedStatementNames[StatementText(sql)] { return name }
        let name = "ferry_\(preparedStatementNames.count + 1)"
        _ = try rows(from: PQprepare(connection, name, sql, Int32(parameterCount), nil), connection: connection)
        preparedStatementNames[StatementText(sql)] = name
        return name
    }

    private func rows(from result: OpaquePointer?, connection: OpaquePointer) throws -> PostgresRows {
        guard let result else {
            throw PostgresError(kind: .connection, message: secrets.redact(Self.errorMessage(of: connection)))
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
            let columnCount = Int(PQnfields(result))
            let rowCount = Int(PQntuples(result))
            let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
            var values: [[String?]] = []
            values.reserveCapacity(rowCount)
            for row in 0..<Int32(rowCount) {
                values.append((0..<Int32(columnCount)).map { column in
                    PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
                })
            }
            let affected = Int(String(cString: PQcmdTuples(result))) ?? rowCount
            return PostgresRows(columns: columns, values: values, affectedRows: affected)
        default:
            let sqlState = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let primary = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
            if PQstatus(connection) != CONNECTION_OK || sqlState == nil || sqlState?.hasPrefix("08") == true
                || sqlState == "57P01" {
                throw PostgresError(kind: .connection, sqlState: sqlState,
                                    message: secrets.redact(primary ?? Self.errorMessage(of: connection)))
            }
            throw PostgresError(kind: .server, sqlState: sqlState, message: primary ?? Self.errorMessage(of: connection))
        }
    }

    /// libpq's message on one line (it spreads hints over several).
    static func errorMessage(of connection: OpaquePointer) -> String {
        String(cString: PQerrorMessage(connection)).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
    }
}

// MARK: - LISTEN/NOTIFY

public struct PostgresNotification: Sendable, Equatable {
    public var channel: String
    public var payload: String
}

extension PostgresConnection {
    /// Subscribes this connection to a channel. Channel names are the program's own, never user input.
    public func listen(_ channel: String) throws {
        try executeScript(unsafeSQL: "LISTEN \"\(channel.replacingOccurrences(of: "\"", with: "\"\""))\"")
    }

    /// Waits up to `timeout` seconds for notifications on the channels this connection listens to.
    /// Returns what arrived (empty on timeout).
    public func waitForNotifications(timeout: Double) throws -> [PostgresNotification] {
        let connection = try connectedHandle()
        var received = drainNotifications(connection)
        if !received.isEmpty { return received }
        var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, Int32(max(0, timeout * 1000)))
        if ready > 0 {
            guard PQconsumeInput(connection) == 1 else {
                throw PostgresError(kind: .connection, message: secrets.redact(Self.errorMessage(of: connection)))
            }
            received = drainNotifications(connection)
        }
        return received
    }

    private func drainNotifications(_ connection: OpaquePointer) -> [PostgresNotification] {
        var received: [PostgresNotification] = []
        while let notify = PQnotifies(connection) {
            received.append(PostgresNotification(
                channel: String(cString: notify.pointee.relname),
                payload: String(cString: notify.pointee.extra)
            ))
            PQfreemem(notify)
        }
        return received
    }
}

/// A statement's SQL as the key of the prepared statements: equal when the text is, hashed on its length
/// and a sample of its bytes. Hashing all of a few kilobytes of SQL for every statement sent cost more than
/// the rest of the lookup; statements that share the sample only share a bucket.
private struct StatementText: Hashable {
    let sql: String

    init(_ sql: String) {
        self.sql = sql
    }

    func hash(into hasher: inout Hasher) {
        let utf8 = sql.utf8
        hasher.combine(utf8.count)
        let stride = max(1, utf8.count / 64)
        var index = utf8.startIndex
        while index < utf8.endIndex {
            hasher.combine(utf8[index])
            index = utf8.index(index, offsetBy: stride, limitedBy: utf8.endIndex) ?? utf8.endIndex
        }
    }
}

// MARK: - C strings

private func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    withOptionalCStrings(strings, body)
}

/// Copies the strings, NUL-terminated, into one buffer and passes pointers into it (nil for nil).
private func withOptionalCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    var buffer: [UInt8] = []
    buffer.reserveCapacity(strings.reduce(0) { $0 + ($1?.utf8.count ?? 0) + 1 })
    var offsets: [Int?] = []
    offsets.reserveCapacity(strings.count)
    for string in strings {
        guard let string else {
            offsets.append(nil)
            continue
        }
        offsets.append(buffer.count)
        buffer.append(contentsOf: string.utf8)
        buffer.append(0)
    }
    return buffer.withUnsafeBufferPointer { bytes in
        bytes.withMemoryRebound(to: CChar.self) { base in
            body(offsets.map { $0.map { UnsafePointer(base.baseAddress! + $0) } })
        }
    }
}
