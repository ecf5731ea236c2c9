/// The kinds of RDS names Ferry creates or passes on, with their length limits.
///
/// All share one alphabet: letters, digits and hyphens, a letter first, no `--`, no trailing hyphen.
/// RDS compares them case-insensitively and stores them lower-case, so validation returns the lower-case
/// form and Ferry uses that everywhere (names it derives, tags, comparisons).
public enum RDSIdentifierKind: String, Sendable, Hashable, CaseIterable {
    case dbInstance = "DB instance identifier"
    case dbCluster = "DB cluster identifier"
    case dbSnapshot = "DB snapshot identifier"
    case dbClusterSnapshot = "DB cluster snapshot identifier"
    case parameterGroup = "parameter group name"
    case optionGroup = "option group name"

    public var maximumLength: Int {
        switch self {
        case .dbInstance, .dbCluster, .dbClusterSnapshot: 63
        case .dbSnapshot, .parameterGroup, .optionGroup: 255
        }
    }
}

public enum RDSIdentifier {
    /// The lower-case form of `text` if it is a valid name of this kind.
    public static func validate(_ text: String, as kind: RDSIdentifierKind) throws(InvalidValue) -> String {
        let name = kind.rawValue
        let article = kind == .optionGroup ? "an" : "a"
        guard !text.isEmpty else { throw InvalidValue("\(article) \(name) must not be empty") }
        guard text.count <= kind.maximumLength else {
            throw InvalidValue("\(article) \(name) must be at most \(kind.maximumLength) characters, this is \(text.count)")
        }
        guard text.unicodeScalars.allSatisfy(isAllowed) else {
            throw InvalidValue("\(article) \(name) may contain only ASCII letters, digits and hyphens")
        }
        guard let first = text.unicodeScalars.first, isLetter(first) else {
            throw InvalidValue("\(article) \(name) must start with a letter")
        }
        guard !text.contains("--") else { throw InvalidValue("\(article) \(name) must not contain two consecutive hyphens") }
        guard !text.hasSuffix("-") else { throw InvalidValue("\(article) \(name) must not end with a hyphen") }
        return text.lowercased()
    }

    /// A DB subnet group name: up to 255 letters, digits, periods, underscores, spaces or hyphens, and
    /// not `default`. Stored lower-case.
    public static func validateSubnetGroupName(_ text: String) throws(InvalidValue) -> String {
        guard !text.isEmpty, text.count <= 255 else {
            throw InvalidValue("a DB subnet group name must be 1-255 characters")
        }
        guard text.unicodeScalars.allSatisfy({ isAllowed($0) || $0 == "." || $0 == "_" || $0 == " " }) else {
            throw InvalidValue("a DB subnet group name may contain only letters, digits, periods, underscores, spaces and hyphens")
        }
        guard text.lowercased() != "default" else { throw InvalidValue("a DB subnet group name must not be \"default\"") }
        return text.lowercased()
    }

    private static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        isLetter(scalar) || ("0"..."9").contains(scalar) || scalar == "-"
    }
}
