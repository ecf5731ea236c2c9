import ArgumentParser
import Foundation
import FerryAWS

struct AWSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aws",
        abstract: "Checks Ferry's view of AWS.",
        subcommands: [WhoAmI.self]
    )
}

extension AWSCommand {
    struct WhoAmI: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "whoami",
            abstract: "Shows the account and identity of the resolved AWS credentials, and which provider supplied them."
        )

        @Option(help: "The AWS region to ask STS in (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, us-east-1).")
        var region: String?

        @Flag(help: "Print JSON (account, arn, user_id, credential_source).")
        var json = false

        func run() throws {
            let aws = AWSContext.fromEnvironment()
            let region = region ?? AWSContext.defaultRegion() ?? "us-east-1"
            do {
                let source = try aws.credentials.credentials().source
                let identity = try aws.sts(region: region).getCallerIdentity()
                if json {
                    let fields = ["account": identity.account, "arn": identity.arn, "user_id": identity.userID, "credential_source": source]
                    let data = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])
                    print(String(decoding: data, as: UTF8.self))
                } else {
                    print("account:           \(identity.account)")
                    print("arn:               \(identity.arn)")
                    print("user id:           \(identity.userID)")
                    print("credential source: \(source)")
                }
            } catch let error as AWSError {
                FileHandle.standardError.write(Data("ferry aws whoami: \(error)\n".utf8))
                throw ExitCode.failure
            }
        }
    }
}
