/// The account's RDS quotas in a region, with their use.
extension RDSClient {
    /// DescribeAccountAttributes: every quota of the account in this region, with what is used of it.
    public func describeAccountAttributes() throws -> [AccountQuota] {
        try query.call("DescribeAccountAttributes") { result in
            try result.list("AccountQuotas", member: "AccountQuota").map(AccountQuota.init(xml:))
        }
    }

    /// One quota by name, nil when RDS does not report it.
    public func accountQuota(_ name: AccountQuota.Name) throws -> AccountQuota? {
        try describeAccountAttributes().first { $0.name == name }
    }
}

/// One RDS quota of the account in a region (`AccountQuota` in the API), e.g. 87 of 100 manual snapshots.
public struct AccountQuota: Sendable, Equatable {
    /// A quota's name as RDS spells it.
    public struct Name: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Manual DB snapshots in the region.
        public static let manualSnapshots = Name(rawValue: "ManualSnapshots")
        /// Manual DB cluster snapshots in the region.
        public static let manualClusterSnapshots = Name(rawValue: "ManualClusterSnapshots")
    }

    public var name: Name
    public var used: Int
    public var max: Int

    public init(name: Name, used: Int, max: Int) {
        self.name = name
        self.used = used
        self.max = max
    }

    /// Nothing more may be created under this quota.
    public var isUsedUp: Bool { used >= max }

    init(xml: XMLValue) throws {
        guard let used = try xml.int("Used"), let max = try xml.int("Max") else {
            throw AWSError.malformed("an AccountQuota without Used or Max")
        }
        self.init(name: Name(rawValue: try xml.requiredString("AccountQuotaName")), used: used, max: max)
    }
}
