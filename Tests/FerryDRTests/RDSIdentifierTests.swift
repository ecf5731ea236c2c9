import Testing
@testable import FerryDR

@Suite struct RDSIdentifierTests {
    @Test(arguments: [
        ("orders-db", RDSIdentifierKind.dbInstance, "orders-db"),
        ("Orders-DB", .dbInstance, "orders-db"),
        ("a", .dbCluster, "a"),
        (String(repeating: "a", count: 63), .dbClusterSnapshot, String(repeating: "a", count: 63)),
        (String(repeating: "a", count: 255), .dbSnapshot, String(repeating: "a", count: 255)),
        ("ferry-orders-db-202611251300", .dbSnapshot, "ferry-orders-db-202611251300"),
    ])
    func valid(text: String, kind: RDSIdentifierKind, normalized: String) throws {
        #expect(try RDSIdentifier.validate(text, as: kind) == normalized)
    }

    @Test(arguments: [
        ("", RDSIdentifierKind.dbInstance, "a DB instance identifier must not be empty"),
        (String(repeating: "a", count: 64), .dbInstance, "a DB instance identifier must be at most 63 characters, this is 64"),
        (String(repeating: "a", count: 64), .dbCluster, "a DB cluster identifier must be at most 63 characters, this is 64"),
        (String(repeating: "a", count: 64), .dbClusterSnapshot, "a DB cluster snapshot identifier must be at most 63 characters, this is 64"),
        (String(repeating: "a", count: 256), .dbSnapshot, "a DB snapshot identifier must be at most 255 characters, this is 256"),
        ("1orders", .dbInstance, "a DB instance identifier must start with a letter"),
        ("-orders", .dbInstance, "a DB instance identifier must start with a letter"),
        ("orders--db", .dbInstance, "a DB instance identifier must not contain two consecutive hyphens"),
        ("orders-", .dbSnapshot, "a DB snapshot identifier must not end with a hyphen"),
        ("orders_db", .dbInstance, "a DB instance identifier may contain only ASCII letters, digits and hyphens"),
        ("ordérs", .dbInstance, "a DB instance identifier may contain only ASCII letters, digits and hyphens"),
        ("orders db", .optionGroup, "an option group name may contain only ASCII letters, digits and hyphens"),
    ])
    func invalid(text: String, kind: RDSIdentifierKind, message: String) {
        #expect(throws: InvalidValue(message)) { try RDSIdentifier.validate(text, as: kind) }
    }

    @Test func subnetGroupNames() throws {
        #expect(try RDSIdentifier.validateSubnetGroupName("DR Private_1.a") == "dr private_1.a")
        #expect(throws: InvalidValue("a DB subnet group name must not be \"default\"")) {
            try RDSIdentifier.validateSubnetGroupName("Default")
        }
        #expect(throws: InvalidValue.self) { try RDSIdentifier.validateSubnetGroupName("dr/private") }
    }
}
