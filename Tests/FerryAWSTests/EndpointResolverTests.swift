import Testing
@testable import FerryAWS

@Suite struct EndpointResolverTests {
    @Test func regionalAWSEndpointsByDefault() throws {
        let resolver = EndpointResolver(environment: [:])
        #expect(try resolver.endpoint(service: "rds", region: "eu-west-1") == "https://rds.eu-west-1.amazonaws.com")
        #expect(try resolver.endpoint(service: "kms", region: "cn-north-1") == "https://kms.cn-north-1.amazonaws.com.cn")
    }

    @Test func precedenceIsConfigThenServiceVariableThenGlobalVariable() throws {
        let environment = ["AWS_ENDPOINT_URL": "http://127.0.0.1:5000/", "AWS_ENDPOINT_URL_SNS": "http://127.0.0.1:6000"]
        let resolver = EndpointResolver(overrides: ["rds": "https://rds.internal.example"], environment: environment)
        #expect(try resolver.endpoint(service: "rds", region: "us-east-1") == "https://rds.internal.example")
        #expect(try resolver.endpoint(service: "sns", region: "us-east-1") == "http://127.0.0.1:6000")
        #expect(try resolver.endpoint(service: "kms", region: "us-east-1") == "http://127.0.0.1:5000")
    }

    @Test func configuredEndpointsCanBeIgnored() throws {
        let resolver = EndpointResolver(environment: ["AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"])
        #expect(try resolver.endpoint(service: "sts", region: "us-east-1") == "https://sts.us-east-1.amazonaws.com")
    }

    @Test func badEndpointsAndRegionsAreConfigurationErrors() {
        #expect(throws: AWSError.self) { try EndpointResolver(environment: ["AWS_ENDPOINT_URL": "localhost:5000"]).endpoint(service: "rds", region: "us-east-1") }
        let error = try? #require(throws: AWSError.self) { try EndpointResolver(environment: [:]).endpoint(service: "rds", region: "us-east-1/evil") }
        #expect(error?.kind == .configuration)
    }

    @Test func arnsParseAndPrint() throws {
        let arn = try ARN(parsing: "arn:aws:rds:eu-west-1:123456789012:snapshot:ferry-db1")
        #expect(arn.region == "eu-west-1" && arn.account == "123456789012" && arn.resource == "snapshot:ferry-db1")
        #expect(ARN.dbSnapshot(region: "eu-west-1", account: "123456789012", identifier: "ferry-db1") == arn)
        #expect("\(ARN.dbClusterSnapshot(region: "us-east-1", account: "1", identifier: "c"))" == "arn:aws:rds:us-east-1:1:cluster-snapshot:c")
        #expect(throws: AWSError.self) { try ARN(parsing: "snapshot:ferry-db1") }
    }
}
