public import FerryAWS

/// An AWS region name such as `us-east-1`, `eu-central-2` or `us-gov-west-1`, checked for shape only, so
/// that a region launched after this release is still accepted.
public struct AWSRegion: Sendable, Hashable, CustomStringConvertible {
    public let name: String

    public init(validating name: String) throws(InvalidValue) {
        guard EndpointResolver.isValidRegion(name) else {
            throw InvalidValue("not an AWS region name (like us-east-1 or eu-central-2)")
        }
        self.name = name
    }

    public var description: String { name }
}

/// The checks the configuration makes on an ARN, on top of `FerryAWS.ARN`'s splitting.
extension ARN {
    /// An ARN of a known partition, with a 12-digit account and a resource.
    public init(validating text: String) throws(InvalidValue) {
        guard let arn = ARN(splitting: text) else {
            throw InvalidValue("not an ARN (arn:partition:service:region:account:resource)")
        }
        guard Self.partitions.contains(arn.partition) else {
            throw InvalidValue("unknown partition \"\(arn.partition)\"")
        }
        guard arn.account.count == 12, arn.account.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw InvalidValue("the account must be 12 digits")
        }
        guard !arn.resource.isEmpty else { throw InvalidValue("the resource part is empty") }
        self = arn
    }

    /// An SNS topic ARN: `arn:aws:sns:<region>:<account>:<topic name>`.
    public static func snsTopic(validating text: String) throws(InvalidValue) -> ARN {
        let arn = try ARN(validating: text)
        guard arn.service == "sns" else { throw InvalidValue("not an SNS topic ARN (service is \"\(arn.service)\")") }
        _ = try AWSRegion(validating: arn.region)
        guard arn.resource.count <= 256,
              arn.resource.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") })
        else {
            throw InvalidValue("an SNS topic name has 1-256 letters, digits, hyphens and underscores (and .fifo)")
        }
        return arn
    }
}

/// The KMS key that encrypts the DR copies, as CopyDBSnapshot's `KmsKeyId` accepts it.
public enum KMSKeyReference: Sendable, Hashable, CustomStringConvertible {
    /// A key id: a UUID, or `mrk-` and 32 hex digits for a multi-Region key.
    case keyID(String)
    /// `alias/<name>`.
    case alias(String)
    /// A key or alias ARN.
    case arn(ARN)

    /// Parses an id, alias or ARN. An ARN must be a KMS ARN in `region`: a key of another region cannot
    /// encrypt the copy there.
    public init(validating text: String, region: AWSRegion) throws(InvalidValue) {
        if text.hasPrefix("arn:") {
            let arn = try ARN(validating: text)
            guard arn.service == "kms", arn.resource.hasPrefix("key/") || arn.resource.hasPrefix("alias/") else {
                throw InvalidValue("not a KMS key or alias ARN")
            }
            guard arn.region == region.name else {
                throw InvalidValue("the key is in \(arn.region), but it must be in the DR region \(region)")
            }
            self = .arn(arn)
        } else if text.hasPrefix("alias/") {
            let name = text.dropFirst("alias/".count)
            guard !name.isEmpty, name.count <= 250,
                  name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/_-".contains($0)) })
            else {
                throw InvalidValue("a KMS alias is alias/ and 1-250 letters, digits, /, _ or -")
            }
            self = .alias(text)
        } else if Self.isKeyID(text) {
            self = .keyID(text.lowercased())
        } else {
            throw InvalidValue("not a KMS key id, alias/<name> or KMS ARN")
        }
    }

    public var description: String {
        switch self {
        case .keyID(let id): id
        case .alias(let alias): alias
        case .arn(let arn): arn.description
        }
    }

    private static func isKeyID(_ text: String) -> Bool {
        let isHex = { (c: Character) in c.isHexDigit && c.isASCII }
        if text.hasPrefix("mrk-") { return text.count == 36 && text.dropFirst(4).allSatisfy(isHex) }
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        return groups.map(\.count) == [8, 4, 4, 4, 12] && groups.allSatisfy { $0.allSatisfy(isHex) }
    }
}
