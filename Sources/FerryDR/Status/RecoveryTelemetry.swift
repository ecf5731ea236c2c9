public import FerryAWS
public import FerryPostgres
public import Foundation
import Metrics

/// What a worker reports of the recovery points and copy pools, from PostgreSQL alone (so it goes on when
/// the primary region is down): Prometheus gauges for `/metrics`, and the CloudWatch data of the dead-man's
/// switch, which CloudFormation's alarms watch from outside Ferry.
public struct RecoveryTelemetry {
    /// The CloudWatch namespace Ferry publishes in (the IAM policy allows PutMetricData in it only).
    public static let namespace = "Ferry"
    /// Every live worker publishes 1 each interval: the fleet's heartbeat.
    public static let heartbeatMetric = "WorkerHeartbeat"
    /// Per database (dimension `Database`): the age of its newest restore point, in seconds.
    public static let restorePointAgeMetric = "RestorePointAge"
    /// How many protected databases are past their recovery point objective (0 when none has one).
    public static let behindObjectiveMetric = "DatabasesBehindObjective"

    public let statuses: [DatabaseStatus]
    /// Copy pools (`CopyPool.prefix…`) with their slots and the slots in use.
    public let copyPools: [(pool: String, slots: Int, inUse: Int)]

    /// Reads the recovery points of the databases the configuration protects among those Ferry knows (as
    /// the RPO check does), and the copy pools.
    public static func read(rules: [ProtectionRule], connection: PostgresConnection, now: Date) throws -> RecoveryTelemetry {
        let known = try RecoveryStore(connection: connection).knownDatabases()
        let protected = DatabaseSelection(rules: rules, discovered: known).protected
        let statuses = try RPOMonitor(connection: connection).statuses(of: protected, now: now)
        let pools = try connection.query("""
            SELECT name, permits, in_use FROM ferry.semaphores WHERE starts_with(name, \(CopyPool.prefix)) ORDER BY name
            """).map { row in
            (pool: try row.decode("name", as: String.self), slots: try row.decode("permits", as: Int.self),
             inUse: try row.decode("in_use", as: Int.self))
        }
        return RecoveryTelemetry(statuses: statuses, copyPools: pools)
    }

    /// Sets the Prometheus gauges: `ferry_restore_point_age_seconds` and
    /// `ferry_recovery_point_objective_seconds` per database, `ferry_copy_slots` and
    /// `ferry_copy_slots_in_use` per pool.
    public func recordGauges() {
        for status in statuses {
            if let age = status.ageSeconds {
                Gauge(label: "ferry_restore_point_age_seconds", dimensions: [("database", status.database)]).record(age)
            }
            if let rpo = status.rpoSeconds {
                Gauge(label: "ferry_recovery_point_objective_seconds", dimensions: [("database", status.database)]).record(rpo)
            }
        }
        for pool in copyPools {
            Gauge(label: "ferry_copy_slots", dimensions: [("pool", pool.pool)]).record(pool.slots)
            Gauge(label: "ferry_copy_slots_in_use", dimensions: [("pool", pool.pool)]).record(pool.inUse)
        }
    }

    /// The dead-man's switch's data points: the heartbeat, each database's restore-point age, and how many
    /// databases are behind their objective.
    public var cloudWatchData: [MetricDatum] {
        [MetricDatum(name: Self.heartbeatMetric, value: 1, unit: .count),
         MetricDatum(name: Self.behindObjectiveMetric, value: Double(statuses.filter(\.rpoBreached).count), unit: .count)]
            + statuses.compactMap { status in
                status.ageSeconds.map {
                    MetricDatum(name: Self.restorePointAgeMetric, value: $0.rounded(), unit: .seconds, dimensions: ["Database": status.database])
                }
            }
    }
}
