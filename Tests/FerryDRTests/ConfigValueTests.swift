import FerryAWS
import Foundation
import Testing
@testable import FerryDR

@Suite struct ConfigValueTests {
    @Test(arguments: [("90m", 5_400), ("36h", 129_600), ("7d", 604_800), ("1d12h", 129_600), ("30s", 30), ("1h30m", 5_400)])
    func durations(text: String, seconds: Int64) throws {
        #expect(try ConfigDuration.parse(text) == .seconds(seconds))
    }

    @Test(arguments: [
        ("", "expected a duration such as 90m, 36h, 7d or 1d12h (units d, h, m, s)"),
        ("90", "expected a duration such as 90m, 36h, 7d or 1d12h (units d, h, m, s)"),
        ("1w", "expected a duration such as 90m, 36h, 7d or 1d12h (units d, h, m, s)"),
        ("1.5h", "expected a duration such as 90m, 36h, 7d or 1d12h (units d, h, m, s)"),
        ("h", "expected a duration such as 90m, 36h, 7d or 1d12h (units d, h, m, s)"),
        ("30m1h", "units must go from largest to smallest, each at most once"),
        ("1h1h", "units must go from largest to smallest, each at most once"),
        ("0m", "must be longer than zero"),
        ("99999999999d", "the number is too large"),
    ])
    func badDurations(text: String, message: String) {
        #expect(throws: InvalidValue(message)) { try ConfigDuration.parse(text) }
    }

    @Test(arguments: ["us-east-1", "eu-central-2", "ap-southeast-4", "us-gov-west-1", "cn-north-1", "il-central-1"])
    func regions(name: String) throws {
        #expect(try AWSRegion(validating: name).name == name)
    }

    @Test(arguments: ["", "us-east", "US-EAST-1", "useast1", "us-east-1a", "usa-east-1", "us--1", "us-east-1-"])
    func badRegions(name: String) {
        #expect(throws: InvalidValue("not an AWS region name (like us-east-1 or eu-central-2)")) {
            try AWSRegion(validating: name)
        }
    }

    @Test(arguments: [
        ("arn:aws:sns:us-east-1:123456789012:ferry-alerts", nil),
        ("arn:aws:sns:us-east-1:123456789012:ferry-alerts.fifo", nil),
        ("arn:aws:sqs:us-east-1:123456789012:q", "not an SNS topic ARN (service is \"sqs\")"),
        ("arn:aws:sns:us-east-1:12345:t", "the account must be 12 digits"),
        ("arn:azure:sns:us-east-1:123456789012:t", "unknown partition \"azure\""),
        ("ferry-alerts", "not an ARN (arn:partition:service:region:account:resource)"),
        ("arn:aws:sns:moon-1:123456789012:t", "not an AWS region name (like us-east-1 or eu-central-2)"),
        ("arn:aws:sns:us-east-1:123456789012:", "the resource part is empty"),
        ("arn:aws:sns:us-east-1:123456789012:a/b", "an SNS topic name has 1-256 letters, digits, hyphens and underscores (and .fifo)"),
    ] as [(String, String?)])
    func snsTopics(text: String, problem: String?) throws {
        if let problem {
            #expect(throws: InvalidValue(problem)) { try ARN.snsTopic(validating: text) }
        } else {
            #expect(try ARN.snsTopic(validating: text).description == text)
        }
    }

    @Test(arguments: [
        ("alias/ferry-dr", nil),
        ("alias/aws/rds", nil),
        ("1234abcd-12ab-34cd-56ef-1234567890ab", nil),
        ("mrk-1234abcd12ab34cd56ef1234567890ab", nil),
        ("arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", nil),
        ("arn:aws:kms:us-west-2:123456789012:alias/ferry-dr", nil),
        ("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
         "the key is in us-east-1, but it must be in the DR region us-west-2"),
        ("arn:aws:sns:us-west-2:123456789012:key/x", "not a KMS key or alias ARN"),
        ("alias/", "a KMS alias is alias/ and 1-250 letters, digits, /, _ or -"),
        ("ferry-dr", "not a KMS key id, alias/<name> or KMS ARN"),
        ("1234abcd-12ab-34cd-56ef", "not a KMS key id, alias/<name> or KMS ARN"),
    ] as [(String, String?)])
    func kmsKeys(text: String, problem: String?) throws {
        let region = try AWSRegion(validating: "us-west-2")
        if let problem {
            #expect(throws: InvalidValue(problem)) { try KMSKeyReference(validating: text, region: region) }
        } else {
            #expect(try KMSKeyReference(validating: text, region: region).description == text)
        }
    }

    @Test(arguments: ["Europe/Paris", "America/New_York", "UTC", "Etc/UTC", "US/Eastern"])
    func timeZones(name: String) throws {
        _ = try ConfigTimeZone.parse(name)
    }

    @Test(arguments: ["EST", "CET", "GMT+5", "europe/paris", "Mars/Olympus", ""])
    func badTimeZones(name: String) {
        #expect(throws: InvalidValue("not an IANA time zone name (like Europe/Paris, America/New_York or UTC)")) {
            try ConfigTimeZone.parse(name)
        }
    }

    @Test func theConfigPathComesFromTheOptionThenTheEnvironment() {
        #expect(FerryConfig.path(option: "/etc/ferry.yaml", environment: ["FERRY_CONFIG": "/x.yaml"]) == "/etc/ferry.yaml")
        #expect(FerryConfig.path(option: nil, environment: ["FERRY_CONFIG": "/x.yaml"]) == "/x.yaml")
        #expect(FerryConfig.path(option: nil, environment: [:]) == "ferry.yaml")
    }
}
