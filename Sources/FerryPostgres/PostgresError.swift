import Foundation

/// An error from PostgreSQL or from talking to it.
///
/// `description` is safe to log: it never contains a connection string or a password. libpq's own
/// messages name the host, port, user and database, never the password.
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

/// Removes the password from a libpq connection URI or keyword/value string, for logs and errors.
public func redactedConnectionString(_ conninfo: String) -> String {
    conninfo
        .replacingOccurrences(of: #"(://[^:/@]*):[^@]*@"#, with: "$1:***@", options: .regularExpression)
        .replacingOccurrences(of: #"password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)"#, with: "password=***", options: .regularExpression)
        .replacingOccurrences(of: #"([?&]password=)[^&]*"#, with: "$1***", options: .regularExpression)
}
