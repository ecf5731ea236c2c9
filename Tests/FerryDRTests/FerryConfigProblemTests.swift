import Testing
@testable import FerryDR
import FerryEngine
import Foundation

@Suite struct FerryConfigProblemTests {
    static func problems(_ yaml: String) -> [String] {
        do {
            _ = try FerryConfig.parse(yaml: yaml, source: "ferry.yaml")
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    static let validHead = """
        primary_region: us-east-1
        dr_region: us-west-2
        dr_kms_key: alias/ferry-dr
        alert_topic_arn: arn:aws:sns:us-east-1:123456789012:ferry-alerts

        """

    @Test func everyProblemIsReportedAtOnceWithPathAndLine() {
        let yaml = """
            primary_region: us-east-1
            dr_region: us-east-1
            dr_kms_key: arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            alert_topic_arn: not-an-arn
            copy_slots: {instance: 50, cluster: 0}
            colour: blue
            defaults:
              schedule: "0 3 * * *"
              time_zone: Paris
              retention: {}
              rpo: 36
            databases:
              - identifier: orders-db
                multi_az: true
              - pattern: "billing-*"
                identifier: billing-1
              - identifier: Bad--Name
              - tagged: {dr: "true"}
                schedule: "61 * * * *"
                restore:
                  multi_az: yes
                  security_groups: [sg-1]
                  instance_class: r6g.large
                snapshot_tags:
                  aws:owner: me
            """
        #expect(Self.problems(yaml) == [
            "ferry.yaml:2: dr_region: the DR region must differ from primary_region",
            "ferry.yaml:3: dr_kms_key: \"arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab\": the key is in eu-west-1, but it must be in the DR region us-east-1",
            "ferry.yaml:4: alert_topic_arn: \"not-an-arn\": not an ARN (arn:partition:service:region:account:resource)",
            "ferry.yaml:5: copy_slots.instance: 50: must be 1-20",
            "ferry.yaml:5: copy_slots.cluster: 0: must be 1-5",
            "ferry.yaml:6: colour: unknown key (expected one of: alert_topic_arn, copy_slots, databases, defaults, dr_kms_key, dr_region, endpoints, history_retention, primary_region)",
            "ferry.yaml:9: defaults.time_zone: \"Paris\": not an IANA time zone name (like Europe/Paris, America/New_York or UTC)",
            "ferry.yaml:10: defaults.retention: set days, count or both",
            "ferry.yaml:11: defaults.rpo: \"36\": expected a duration such as 90m, 36h, 7d or 1d12h (units d, h, m, s)",
            "ferry.yaml:14: databases[0].multi_az: unknown key (expected one of: drill_schedule, identifier, kind, option_groups, pattern, restore, retention, rpo, schedule, snapshot_prefix, snapshot_tags, tagged, time_zone)",
            "ferry.yaml:15: databases[1]: give exactly one of identifier, pattern or tagged (found identifier and pattern)",
            "ferry.yaml:17: databases[2].identifier: \"Bad--Name\": a DB instance identifier must not contain two consecutive hyphens",
            "ferry.yaml:19: databases[3].schedule: \"61 * * * *\": minute must be 0-59",
            "ferry.yaml:21: databases[3].restore.multi_az: \"yes\": expected true or false",
            "ferry.yaml:22: databases[3].restore.security_groups[0]: \"sg-1\": not a VPC security group id (sg- and 8 or 17 lower-case hex digits)",
            "ferry.yaml:23: databases[3].restore.instance_class: \"r6g.large\": not a DB instance class (like db.r6g.large)",
            "ferry.yaml:25: databases[3].snapshot_tags[\"aws:owner\"]: \"aws:owner\": tag keys starting with aws: are reserved",
        ])
    }

    @Test(arguments: [
        ("", ["ferry.yaml: the file is empty: primary_region, dr_region, … are required"]),
        ("- a\n- b\n", ["ferry.yaml:1: expected a mapping, found a list"]),
        ("primary_region: [us-east-1\n", ["ferry.yaml:2: invalid YAML: while parsing a flow sequence: did not find expected ',' or ']'"]),
        ("primary_region: a\nprimary_region: b\n",
         ["ferry.yaml:1: duplicate key primary_region"]),
        ("primary_region: us-east-1\n", [
            "ferry.yaml:1: missing required key \"dr_region\"",
            "ferry.yaml:1: missing required key \"dr_kms_key\"",
            "ferry.yaml:1: missing required key \"alert_topic_arn\"",
            "ferry.yaml:1: missing required key \"databases\"",
        ]),
    ])
    func documentProblems(yaml: String, expected: [String]) {
        #expect(Self.problems(yaml) == expected)
    }

    @Test(arguments: [
        ("databases: []", ["ferry.yaml:5: databases: list at least one database entry"]),
        ("databases: {orders: 1}", ["ferry.yaml:5: databases: expected a list, found a mapping"]),
        ("databases:\n  - identifier: orders\n", [
            "ferry.yaml:6: databases[0]: no schedule: set \"schedule\" here or under \"defaults\"",
            "ferry.yaml:6: databases[0]: no retention: set \"retention\" here or under \"defaults\"",
        ]),
        ("databases:\n  - {identifier: a, schedule: '@daily', retention: {days: 0, weeks: 2}}\n", [
            "ferry.yaml:6: databases[0].retention.weeks: unknown key (expected one of: count, days)",
            "ferry.yaml:6: databases[0].retention.days: 0: must be 1-36500",
        ]),
        ("databases:\n  - {identifier: a, schedule: '@daily', retention: {count: two}, kind: db}\n", [
            "ferry.yaml:6: databases[0].kind: \"db\": expected instance or cluster",
            "ferry.yaml:6: databases[0].retention.count: \"two\": expected a whole number",
        ]),
        ("databases:\n  - {identifier: a, schedule: '@daily', retention: {days: 1}, rpo: 2h, snapshot_prefix: 9x}\n", [
            "ferry.yaml:6: databases[0].snapshot_prefix: \"9x\": a DB cluster snapshot identifier must start with a letter",
        ]),
        ("databases:\n  - {tagged: {}, schedule: '@daily', retention: {days: 1}}\n", [
            "ferry.yaml:6: databases[0].tagged: name at least one tag, e.g. {dr: \"true\"}",
        ]),
        ("databases:\n  - {pattern: 'a_*', schedule: '@daily', retention: {days: 1}}\n", [
            "ferry.yaml:6: databases[0].pattern: \"a_*\": a pattern may contain only letters, digits, hyphens, * and ?",
        ]),
        ("databases:\n  - {identifier: a, schedule: '@daily', retention: {days: 1}}\n  - {identifier: A, schedule: '@hourly', retention: {count: 2}}\n", [
            "ferry.yaml:7: databases[1]: selects the same databases as databases[0], which comes first and wins",
        ]),
        ("endpoints: {rds: 'localhost:5000', s3: 'http://x'}\ndatabases: []", [
            "ferry.yaml:5: endpoints.s3: unknown key (expected one of: kms, monitoring, rds, sns, sts)",
            "ferry.yaml:5: endpoints.rds: \"localhost:5000\": expected an http or https URL such as http://127.0.0.1:5000",
            "ferry.yaml:6: databases: list at least one database entry",
        ]),
        ("defaults:\n  schedule:\n  restore: [1]\ndatabases:\n  - identifier: a\n", [
            "ferry.yaml:6: defaults.schedule: expected a string, found nothing (null)",
            "ferry.yaml:7: defaults.restore: expected a mapping, found a list",
            "ferry.yaml:9: databases[0]: no retention: set \"retention\" here or under \"defaults\"",
        ]),
        ("history_retention: 12h\ndatabases: []", [
            "ferry.yaml:5: history_retention: \"12h\": must be at least 1d",
            "ferry.yaml:6: databases: list at least one database entry",
        ]),
        ("history_retention: 90\ndatabases: []", [
            "ferry.yaml:5: history_retention: \"90\": expected a duration such as 90m, 36h, 7d or 1d12h (units d, h, m, s)",
            "ferry.yaml:6: databases: list at least one database entry",
        ]),
    ])
    func databaseProblems(tail: String, expected: [String]) {
        #expect(Self.problems(Self.validHead + tail) == expected)
    }

    @Test func entriesOverrideDefaultsKeyByKey() throws {
        let config = try FerryConfig.parse(yaml: Self.validHead + """
            defaults:
              schedule: "0 3 * * *"
              time_zone: America/New_York
              retention: {days: 7, count: 14}
              snapshot_tags: {team: platform, tier: gold}
              restore: {instance_class: db.r6g.large, multi_az: true}
            databases:
              - identifier: orders-db
                retention: {count: 3}
                snapshot_tags: {tier: silver}
                restore: {publicly_accessible: true}
                drill_schedule: "@weekly"
            """, source: "ferry.yaml")
        let settings = try #require(config.databases.first).settings
        #expect(settings.retention == RetentionRule(count: 3))
        #expect(settings.snapshotTags == ["team": "platform", "tier": "silver"])
        #expect(settings.restore == RestoreSettings(instanceClass: "db.r6g.large", multiAZ: true, publiclyAccessible: true))
        #expect(settings.schedule.timeZone.identifier == "America/New_York")
        #expect(settings.drillSchedule?.timeZone.identifier == "America/New_York")
        #expect(settings.snapshotPrefix == "ferry")
        #expect(settings.recoveryPointObjective == nil)
        #expect(config.copySlots == CopySlots(instance: 20, cluster: 5), "AWS's limits")
    }
}
