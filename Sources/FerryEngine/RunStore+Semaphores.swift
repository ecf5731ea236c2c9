import FerryPostgres
public import Foundation

/// The answer to a request for a permit of a named semaphore.
public struct PermitGrant: Sendable, Equatable {
    /// Whether the run holds a permit now (it may have held it already).
    public var acquired: Bool
    /// Permits held, this one included when acquired.
    public var inUse: Int
    public var permits: Int
}

/// The lease was lost while a step was working: another worker (or an operator) has the run now.
public struct LeaseLost: Error, ClassifiedError, CustomStringConvertible {
    public var runID: UUID
    public var isRetryable: Bool { false }
    public var description: String { "the lease on run \(runID.lowercasedString) was lost" }
}

extension RunStore {
    /// Takes a permit of `semaphore` for the run (see `sql/engine/003_semaphores.sql`): the semaphore is created
    /// with, or resized to, `permits`. When none is free, the run is queued and woken, due now, when one is.
    /// Throws `LeaseLost` if the fence no longer holds.
    public func acquirePermit(of semaphore: String, permits: Int, fence: LeaseFence) throws -> PermitGrant {
        guard let row = try connection.query("""
            SELECT acquired, in_use, permits
            FROM ferry.acquire_permit(\(semaphore), \(permits), \(fence.runID), \(fence.epoch), \(fence.stepName))
            """).first else { throw LeaseLost(runID: fence.runID) }
        return PermitGrant(acquired: try row.decode("acquired"), inUse: try row.decode("in_use"), permits: try row.decode("permits"))
    }

    /// Gives back the run's permit of `semaphore` (nothing if it holds none) and wakes the next run in line.
    /// Fenced like every write of a step: a worker that lost the lease must not free a permit that the run's
    /// new worker relies on. Throws `LeaseLost` if the fence no longer holds.
    public func releasePermit(of semaphore: String, fence: LeaseFence) throws {
        let rows = try connection.query("""
            WITH fenced AS (
                SELECT id FROM ferry.runs
                WHERE id = \(fence.runID) AND lease_epoch = \(fence.epoch) AND status = 'running' AND lease_expires_at > now()
                FOR SHARE
            )
            SELECT ferry.release_permits(id, \(semaphore)) AS released FROM fenced
            """)
        if rows.isEmpty { throw LeaseLost(runID: fence.runID) }
    }

    /// Every semaphore with its permits in use, by name.
    public func semaphores() throws -> [SemaphoreUse] {
        try connection.query("""
            SELECT s.name, s.permits, s.in_use, (SELECT count(*) FROM ferry.semaphore_waiters w WHERE w.semaphore = s.name)::int AS waiting
            FROM ferry.semaphores s ORDER BY s.name
            """).map {
            SemaphoreUse(name: try $0.decode("name"), permits: try $0.decode("permits"), inUse: try $0.decode("in_use"),
                         waiting: try $0.decode("waiting"))
        }
    }
}

/// A semaphore as `ferry.semaphores` holds it. JSON field names are snake_case.
public struct SemaphoreUse: Sendable, Equatable, Codable {
    public var name: String
    public var permits: Int
    public var inUse: Int
    /// Runs queued for a permit.
    public var waiting: Int

    enum CodingKeys: String, CodingKey {
        case name, permits
        case inUse = "in_use"
        case waiting
    }
}
