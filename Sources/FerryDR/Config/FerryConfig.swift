public import FerryAWS
public import FerryEngine
import Foundation

/// The contents of `ferry.yaml`: where to copy, with which key, whom to alert, and which databases to
/// protect how. `docs/configuration.md` describes every key; `examples/ferry.yaml` shows them all.
public struct FerryConfig: Sendable, Hashable {
    public static let pathEnvironmentVariable = "FERRY_CONFIG"
    public static let defaultPath = "ferry.yaml"

    /// Where the configuration was read from (a file path), as problems name it.
    public var source: String
    public var primaryRegion: AWSRegion
    public var drRegion: AWSRegion
    /// Encrypts the copies in the DR region; an ARN is always of the DR region.
    public var drKMSKey: KMSKeyReference
    /// The SNS topic alerts are published to.
    public var alertTopicARN: ARN
    public var endpoints: AWSEndpoints
    /// How many snapshot copies Ferry keeps in progress into the DR region at once, per kind.
    public var copySlots: CopySlots
    /// The `databases` entries in file order, `defaults` already applied. A database matched by several
    /// entries is protected once, with the settings of the FIRST entry that matches it.
    public var databases: [ProtectionRule]
    /// How long finished runs stay in the history before the workers delete them; nil keeps them forever.
    public var historyRetention: Duration?

    /// The shortest `history_retention` (the database refuses less, see sql/engine/007_history_retention.sql).
    public static let minimumHistoryRetention: Duration = .seconds(86_400)

    public init(
        source: String, primaryRegion: AWSRegion, drRegion: AWSRegion, drKMSKey: KMSKeyReference,
        alertTopicARN: ARN, endpoints: AWSEndpoints = AWSEndpoints(),
        copySlots: CopySlots = CopySlots(), databases: [ProtectionRule], historyRetention: Duration? = nil
    ) {
        self.source = source
        self.primaryRegion = primaryRegion
        self.drRegion = drRegion
        self.drKMSKey = drKMSKey
        self.alertTopicARN = alertTopicARN
        self.endpoints = endpoints
        self.copySlots = copySlots
        self.databases = databases
        self.historyRetention = historyRetention
    }

    /// The configuration file to read: `--config` if given, else `FERRY_CONFIG`, else `ferry.yaml`.
    public static func path(option: String?, environment: [String: String]) -> String {
        if let option, !option.isEmpty { return option }
        if let fromEnvironment = environment[pathEnvironmentVariable], !fromEnvironment.isEmpty { return fromEnvironment }
        return defaultPath
    }

    /// Reads and validates the file at `path`.
    public static func load(path: String) throws(ConfigError) -> FerryConfig {
        let yaml: String
        do {
            yaml = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = (error as NSError).localizedDescription
            throw ConfigError(problems: [YAMLProblem(file: path, line: nil, path: "", message: "cannot read: \(reason)")])
        }
        return try parse(yaml: yaml, source: path)
    }

    /// Validates a configuration document. `source` names it in problems (usually its path).
    /// Throws every problem found, each with its key path and line.
    public static func parse(yaml: String, source: String) throws(ConfigError) -> FerryConfig {
        try ConfigParser(source: source).parse(yaml: yaml)
    }
}

/// The copy pools: how many snapshot copies of each kind Ferry keeps in progress into the DR region at
/// once. AWS allows at most 20 DB-snapshot copies (RDS user guide) and 5 DB-cluster-snapshot copies (Aurora
/// user guide) in progress into one destination region per account; set a pool lower when other tools
/// copy into the same region.
public struct CopySlots: Sendable, Hashable {
    /// AWS's limits, which are also the largest values allowed.
    public static let awsLimits = CopySlots(instance: 20, cluster: 5)

    public var instance: Int
    public var cluster: Int

    public init(instance: Int = Self.awsLimits.instance, cluster: Int = Self.awsLimits.cluster) {
        self.instance = instance
        self.cluster = cluster
    }

    public subscript(kind: DatabaseKind) -> Int {
        kind == .instance ? instance : cluster
    }
}
