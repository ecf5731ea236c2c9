import FerryEngine
import Testing
@testable import FerryDR

/// How a restore reproduces its source: the source's settings, the configured DR overrides on top, and the
/// regional groups that cannot be carried over without a DR equivalent.
struct RestoreSpecTests {
    func source(subnet: String? = "default", parameters: String? = "default.postgres16", options: String? = "default:postgres-16",
                securityGroups: [String] = []) throws -> SourceSettings {
        var source = try sampleSource(tags: ["team": "payments", "aws:cloudformation:stack-name": "db", "ferry:run-id": "x"])
        source.subnetGroup = subnet
        source.parameterGroup = parameters
        source.optionGroup = options
        source.securityGroupIDs = securityGroups
        return source
    }

    @Test func theSourcesSettingsAreKeptWhereNothingOverridesThem() throws {
        let spec = try RestoreSpec(source: try source(), overrides: RestoreSettings(), optionGroupMapping: [:])
        #expect(spec.instanceClass == "db.r6g.large" && spec.multiAZ && spec.deletionProtection && spec.port == 5432)
        #expect(spec.engine == "postgres" && spec.engineVersion == "16.3" && spec.instanceCount == 1)
        #expect(spec.subnetGroup == nil && spec.parameterGroup == nil && spec.optionGroup == nil, "default groups exist in every region")
        #expect(!spec.publiclyAccessible && spec.securityGroups.isEmpty && spec.notes.isEmpty)
        #expect(spec.tags == ["team": "payments"], "the source's own tags, not AWS's or Ferry's")
    }

    @Test func overridesWin() throws {
        let overrides = RestoreSettings(instanceClass: "db.r6g.xlarge", subnetGroup: "dr-private", securityGroups: ["sg-0123456789abcdef0"],
                                        multiAZ: false, publiclyAccessible: true, parameterGroup: "dr-params", optionGroup: "dr-options",
                                        deletionProtection: false)
        let spec = try RestoreSpec(source: try source(subnet: "db-private", parameters: "orders-params", options: "orders-options"),
                                   overrides: overrides, optionGroupMapping: ["orders-options": "mapped"])
        #expect(spec.instanceClass == "db.r6g.xlarge" && !spec.multiAZ && spec.publiclyAccessible && !spec.deletionProtection)
        #expect(spec.subnetGroup == "dr-private" && spec.parameterGroup == "dr-params" && spec.optionGroup == "dr-options")
        #expect(spec.securityGroups == ["sg-0123456789abcdef0"])
    }

    @Test func anOptionGroupIsMapped() throws {
        let spec = try RestoreSpec(source: try source(options: "orders-options"), overrides: RestoreSettings(),
                                   optionGroupMapping: ["orders-options": "orders-options-dr"])
        #expect(spec.optionGroup == "orders-options-dr")
    }

    @Test func everyGroupThatCannotBeCarriedOverIsReportedAtOnce() throws {
        #expect(throws: RestoreProblems(database: "orders", problems: [
            "its subnet group db-private exists in the primary region only: set restore.subnet_group to one in the DR region",
            "its parameter group orders-params exists in the primary region only: set restore.parameter_group to one in the DR region",
            "its option group orders-options exists in the primary region only: map it in option_groups or set restore.option_group",
        ])) {
            try RestoreSpec(source: try source(subnet: "db-private", parameters: "orders-params", options: "orders-options"),
                            overrides: RestoreSettings(), optionGroupMapping: [:])
        }
    }

    @Test func theDefaultSecurityGroupIsANoteNotAProblem() throws {
        let spec = try RestoreSpec(source: try source(securityGroups: ["sg-1"]), overrides: RestoreSettings(), optionGroupMapping: [:])
        #expect(spec.notes == ["no restore.security_groups: the restored database gets the default security group of its subnet group's VPC"])
    }
}
