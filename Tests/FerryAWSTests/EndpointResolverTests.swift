import Testing
@testable import FerryAWS

@Suite struct EndpointResolverTests {
    @Test func theConfigurationWinsThenTheServiceVariableThenTheGlobalOneThenAWS() throws {
        let environment = ["AWS_ENDPOINT_URL_RDS": "http://rds:1", "AWS_ENDPOINT_URL_SNS": "http://sns:2", "AWS_ENDPOINT_URL": "http://all:3"]
        let resolver = EndpointResolver(overrides: ["rds": "http://127.0.0.1:5000/"], environment: environment)
        #expect(try resolver.endpoint(service: "rds", region: "us-east-1") == "http://127.0.0.1:5000")
        #expect(try resolver.endpoint(service: "sns", region: "us-east-1") == "http://sns:2")
        #expect(try resolver.endpoint(service: "kms", region: "us-east-1") == "http://all:3")
        #expect(try EndpointResolver(environment: [:]).endpoint(service: "kms", region: "us-east-1") == "https://kms.us-east-1.amazonaws.com")
    }
}
