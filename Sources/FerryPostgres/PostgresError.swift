import Foundation

/// An error from PostgreSQL or from talking to it.
///
/// `description` is safe to log: it never contains a password. libpq's messages name the host, port, user
/// and database, and quote the parts of a connection string it cannot parse (a password among them):
/// `PostgresConnection` passes every one through `ConnectionSecrets.redact` before it reaches an error.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// Could not connect, or the connection broke; the statement may or may not have run.
        case connection
        /// The server refused the statement; `sqlState` says why.
        case server
        /// A row did not hold what the caller asked for.
        case decoding
        /// The caller used the connection wrongly (e.g. a nested transaction).
        case usage
    }

    public var kind: Kind
    /// The five-character SQLSTATE code for server errors (e.g. `23505` unique violation).
    public var sqlState: String?
    public var message: String

    public init(kind: Kind, sqlState: String? = nil, message: String) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
    }

    public var description: String {
        switch kind {
        case .connection: "database connection: \(message)"
        case .server: "database error \(sqlState ?? "?????"): \(message)"
        case .decoding: "database row: \(message)"
        case .usage: "database usage: \(message)"
        }
    }

    public var isUniqueViolation: Bool { sqlState == "23505" }

    /// Whether the same statement may succeed when sent again, on this connection or a new one: the
    /// connection broke (`connection`, SQLSTATE class 08), the server rolled the transaction back to break a
    /// deadlock or a serialization conflict (class 40), ran short of resources (class 53: too many
    /// connections, out of memory, disk full), or is shutting down or starting (57P01–57P03). Anything else
    /// is the statement's own fault and would fail again.
    public var isTransient: Bool {
        if kind == .connection { return true }
        guard kind == .server, let sqlState else { return false }
        return ["08", "40", "53"].contains(sqlState.prefix(2)) || ["57P01", "57P02", "57P03"].contains(sqlState)
    }
}
