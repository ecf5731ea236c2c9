import FerryEngine
import Yams

/// The `restore` keys one level of the file gives, each optional; see `PartialSettings`.
struct PartialRestore {
    static let keys: Set<String> = [
        "instance_class", "subnet_group", "security_groups", "multi_az", "publicly_accessible", "parameter_group",
        "option_group", "deletion_protection",
    ]

    var instanceClass: String?
    var subnetGroup: String?
    var securityGroups: [String]?
    var multiAZ: Bool?
    var publiclyAccessible: Bool?
    var parameterGroup: String?
    var optionGroup: String?
    var deletionProtection: Bool?

    init() {}

    init(reading node: Node, at path: YAMLPath, with reader: YAMLReader) {
        guard let mapping = reader.mapping(node, at: path, allowedKeys: Self.keys) else { return }
        for (key, value) in mapping.entries {
            let keyPath = path.key(key)
            switch key {
            case "instance_class": instanceClass = reader.value(value, at: keyPath, Self.validateInstanceClass)
            case "subnet_group": subnetGroup = reader.value(value, at: keyPath, RDSIdentifier.validateSubnetGroupName)
            case "security_groups": securityGroups = reader.values(value, at: keyPath, Self.validateSecurityGroupID)
            case "multi_az": multiAZ = reader.bool(value, at: keyPath)
            case "publicly_accessible": publiclyAccessible = reader.bool(value, at: keyPath)
            case "parameter_group":
                parameterGroup = reader.value(value, at: keyPath) { text throws(InvalidValue) in
                    try RDSIdentifier.validate(text, as: .parameterGroup)
                }
            case "option_group":
                optionGroup = reader.value(value, at: keyPath) { text throws(InvalidValue) in
                    try RDSIdentifier.validate(text, as: .optionGroup)
                }
            default: deletionProtection = reader.bool(value, at: keyPath)
            }
        }
    }

    /// `self` with every key `more` sets replacing ours.
    func overridden(by more: PartialRestore) -> PartialRestore {
        var merged = PartialRestore()
        merged.instanceClass = more.instanceClass ?? instanceClass
        merged.subnetGroup = more.subnetGroup ?? subnetGroup
        merged.securityGroups = more.securityGroups ?? securityGroups
        merged.multiAZ = more.multiAZ ?? multiAZ
        merged.publiclyAccessible = more.publiclyAccessible ?? publiclyAccessible
        merged.parameterGroup = more.parameterGroup ?? parameterGroup
        merged.optionGroup = more.optionGroup ?? optionGroup
        merged.deletionProtection = more.deletionProtection ?? deletionProtection
        return merged
    }

    /// What the levels set; the rest comes from the source (see `RestoreSpec`).
    var settings: RestoreSettings {
        RestoreSettings(
            instanceClass: instanceClass, subnetGroup: subnetGroup, securityGroups: securityGroups, multiAZ: multiAZ,
            publiclyAccessible: publiclyAccessible, parameterGroup: parameterGroup, optionGroup: optionGroup,
            deletionProtection: deletionProtection
        )
    }

    /// `db.r6g.large`, `db.t4g.micro`, `db.serverless`.
    static func validateInstanceClass(_ text: String) throws(InvalidValue) -> String {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, parts[0] == "db",
              parts.dropFirst().allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber) } })
        else {
            throw InvalidValue("not a DB instance class (like db.r6g.large)")
        }
        return text
    }

    /// `sg-` and 8 or 17 hexadecimal digits.
    static func validateSecurityGroupID(_ text: String) throws(InvalidValue) -> String {
        let digits = text.dropFirst(3)
        guard text.hasPrefix("sg-"), digits.count == 8 || digits.count == 17,
              digits.allSatisfy({ $0.isHexDigit && $0.isASCII && !$0.isUppercase })
        else {
            throw InvalidValue("not a VPC security group id (sg- and 8 or 17 lower-case hex digits)")
        }
        return text
    }
}
