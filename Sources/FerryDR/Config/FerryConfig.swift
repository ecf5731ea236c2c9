public import FerryAWS
public import FerryEngine
import Foundation

/// The contents of `ferry.yaml`: where to copy, with which key, whom to alert, and which databases to
/// protect how. `docs/configuration.md` describes every key; `examples/ferry.yaml` shows them all.
public struct FerryConfig: Sendable, Hashable {
    /// The AWS limit on snapshot copies in progress into one destination region.
    public static let defaultCopyConcurrency = 20
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
    /// How many snapshot copies Ferry keeps in progress into the DR region at once (1-20).
    public var copyConcurrency: Int
    /// The `databases` entries in file order, `defaults` already applied. A database matched by several
    /// entries is protected once, with the settings of the FIRST entry that matches it.
    public var databases: [ProtectionRule]

    public init(
        source: String, primaryRegion: AWSRegion, drRegion: AWSRegion, drKMSKey: KMSKeyReference,
        alertTopicARN: ARN, endpoints: AWSEndpoints = AWSEndpoints(),
        copyConcurrency: Int = Self.defaultCopyConcurrency, databases: [ProtectionRule]
    ) {
        self.source = source
        self.primaryRegion = primaryRegion
        self.drRegion = drRegion
        self.drKMSKey = drKMSKey
        self.alertTopicARN = alertTopicARN
        self.endpoints = endpoints
        self.copyConcurrency = copyConcurrency
        self.databases = databases
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
