/// An Amazon Resource Name: `arn:partition:service:region:account:resource`.
public struct ARN: Sendable, Equatable, CustomStringConvertible {
    public var partition: String
    public var service: String
    public var region: String
    public var account: String
    public var resource: String

    public init(partition: String = "aws", service: String, region: String, account: String, resource: String) {
        self.partition = partition
        self.service = service
        self.region = region
        self.account = account
        self.resource = resource
    }

    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == "arn", !parts[1].isEmpty, !parts[2].isEmpty, !parts[5].isEmpty else {
            throw AWSError.configuration("not an ARN: \(text)")
        }
        self.init(partition: parts[1], service: parts[2], region: parts[3], account: parts[4], resource: parts[5])
    }

    public var description: String { "arn:\(partition):\(service):\(region):\(account):\(resource)" }

    /// `arn:aws:rds:<region>:<account>:snapshot:<identifier>`
    public static func dbSnapshot(region: String, account: String, identifier: String, partition: String = "aws") -> ARN {
        ARN(partition: partition, service: "rds", region: region, account: account, resource: "snapshot:\(identifier)")
    }

    /// `arn:aws:rds:<region>:<account>:cluster-snapshot:<identifier>`
    public static func dbClusterSnapshot(region: String, account: String, identifier: String, partition: String = "aws") -> ARN {
        ARN(partition: partition, service: "rds", region: region, account: account, resource: "cluster-snapshot:\(identifier)")
    }
}
