/// What a snapshot's status means for a workflow that waits on it.
public enum SnapshotPhase: Sendable, Equatable {
    /// `available`: done.
    case available
    /// `creating`, `copying`, `pending` and any status AWS adds later: poll again.
    case inProgress
    /// `failed`, `incompatible-*`, `deleting`, `deleted`, `error`: it will never become available.
    case failed

    public init(status: String) {
        switch status.lowercased() {
        case "available": self = .available
        case "failed", "incompatible-restore", "incompatible-parameters", "incompatible-network", "deleting", "deleted", "error":
            self = .failed
        default: self = .inProgress
        }
    }
}

extension DBSnapshot {
    public var phase: SnapshotPhase { SnapshotPhase(status: status) }
}

extension DBClusterSnapshot {
    public var phase: SnapshotPhase { SnapshotPhase(status: status) }
}

/// RDS naming rules, to check identifiers from configuration before they reach AWS (or SQL).
public enum RDSIdentifier {
    /// DB snapshot: 1–255 letters, digits and hyphens, starting with a letter, no `--`, no trailing hyphen.
    public static func isValidSnapshot(_ identifier: String) -> Bool { isValid(identifier, maxLength: 255) }

    /// DB cluster snapshot: as a DB snapshot, 1–63 characters (RDS stores it lower-case).
    public static func isValidClusterSnapshot(_ identifier: String) -> Bool { isValid(identifier, maxLength: 63) }

    /// DB instance or cluster: as a DB snapshot, 1–63 characters.
    public static func isValidInstance(_ identifier: String) -> Bool { isValid(identifier, maxLength: 63) }

    static func isValid(_ identifier: String, maxLength: Int) -> Bool {
        guard let first = identifier.unicodeScalars.first, identifier.unicodeScalars.count <= maxLength,
              ("a"..."z").contains(first) || ("A"..."Z").contains(first),
              !identifier.hasSuffix("-"), !identifier.contains("--") else { return false }
        return identifier.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }
}
