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
    public var isSerializationFailure: Bool { sqlState == "40001" || sqlState == "40P01" }
}
