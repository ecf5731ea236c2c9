public import FerryAWS
public import FerryEngine
public import Foundation
public import Logging

/// Ferry's DR configuration with the AWS access it implies: what the CLI and the worker share.
public struct DRRuntime: Sendable {
    public let config: FerryConfig
    public let aws: AWSContext

    public init(config: FerryConfig, logger: Logger = Logger(label: "ferry.aws")) {
        self.config = config
        aws = AWSContext.fromEnvironment(
            endpointOverrides: Dictionary(uniqueKeysWithValues: config.endpoints.overrides.map { ($0.key.rawValue, $0.value.absoluteString) }),
            logger: logger)
    }

    /// The DB instances (not Aurora cluster members) and Aurora clusters of the primary region, with tags and
    /// the settings a restore would reproduce.
    public func discoverDatabases() throws -> [DiscoveredDatabase] {
        let rds = try aws.rds(region: config.primaryRegion.name)
        let allInstances = try rds.describeDBInstances()
        let instances = allInstances.filter { $0.clusterIdentifier == nil }.map {
            DiscoveredDatabase(kind: .instance, identifier: $0.identifier, tags: $0.tags, source: SourceSettings(instance: $0))
        }
        let clusters = try rds.describeDBClusters().map { cluster in
            DiscoveredDatabase(kind: .cluster, identifier: cluster.identifier, tags: cluster.tags, source: SourceSettings(
                cluster: cluster, members: allInstances.filter { $0.clusterIdentifier == cluster.identifier }))
        }
        return instances + clusters
    }

    /// The protected databases now: the configuration's selectors resolved against what exists.
    public func selectDatabases() throws -> DatabaseSelection {
        DatabaseSelection(rules: config.databases, discovered: try discoverDatabases())
    }

    /// One protected database by identifier, or an error naming what is protected.
    public func protectedDatabase(_ identifier: String) throws -> ProtectedDatabase {
        try protectedDatabase(identifier, in: try selectDatabases())
    }

    /// One protected database of `selection` by identifier, or an error naming what is protected.
    public func protectedDatabase(_ identifier: String, in selection: DatabaseSelection) throws -> ProtectedDatabase {
        guard let match = selection.protected.first(where: { $0.database.identifier == identifier.lowercased() || $0.database.identifier == identifier }) else {
            let known = selection.protected.map(\.database.identifier).joined(separator: ", ")
            throw DRError(message: "\(identifier) is not a protected database in \(config.primaryRegion) (protected: \(known.isEmpty ? "none" : known))")
        }
        return match
    }

    /// The workflows a worker runs, calling AWS with this configuration's endpoints.
    public func workflowContracts() -> WorkflowContracts {
        DRWorkflows.contracts(aws: aws)
    }

    /// Starts the backup cycle of `protected` for the fire time `scheduledFor` (truncated to the minute).
    /// The same database and minute never start twice; a database whose previous cycle is still in flight
    /// is skipped.
    public func startBackupCycle(
        of protected: ProtectedDatabase, scheduledFor: Date, store: RunStore, catalog: WorkflowCatalog,
        scheduleID: String? = nil, actor: String
    ) throws -> StartOutcome {
        guard let definition = catalog.definition(named: BackupCycle.name) else { throw DRError(message: "no \(BackupCycle.name) workflow is loaded") }
        let minute = UTCMinute.truncate(scheduledFor)
        let input = BackupCycleInput(protected: protected, config: config, scheduledFor: minute)
        return try store.start(RunRequest(
            definition: definition, input: try JSONValue(encoding: input),
            idempotencyKey: "backup:\(protected.database.identifier):\(UTCMinute.compact(minute))",
            concurrencyKey: Self.backupConcurrencyKey(protected.database.identifier),
            scheduleID: scheduleID, scheduledFor: minute, actor: actor))
    }

    public static func backupConcurrencyKey(_ database: String) -> String { "backup:\(database)" }
}

public struct DRError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
