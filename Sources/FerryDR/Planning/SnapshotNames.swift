public import Foundation

/// The identifiers of the snapshots one backup cycle creates, derived from the cycle alone so that a
/// repeated step finds the snapshot it already made: `<prefix>-<database>-<yyyyMMddHHmm>`, the scheduled
/// fire time in UTC, e.g. `ferry-orders-db-202611251300`. Always lower-case and valid for the kind.
///
/// A DB snapshot identifier may have 255 characters, so an instance's name is never shortened (prefix at
/// most 20 + identifier at most 63 + 14). A DB cluster snapshot identifier may have only 63: when the name
/// would be longer, the database part is cut and followed by 8 hex digits of a hash of the whole database
/// identifier (FNV-1a), so two databases whose identifiers share a long beginning still get distinct names.
/// The name is for people and idempotency; which database a snapshot belongs to is read from its tags.
public struct SnapshotNames: Sendable, Hashable {
    /// The snapshot in the primary region.
    public let source: String
    /// The copy in the DR region: the same identifier, as it lives in another region.
    public let drCopy: String

    /// `prefix` and `database` must be valid (as the configuration and discovery ensure).
    public init(prefix: String, database: String, kind: DatabaseKind, scheduledFor: Date) {
        let prefix = prefix.lowercased()
        let database = database.lowercased()
        let suffix = "-" + UTCMinute.compact(scheduledFor)
        let limit = kind.snapshotIdentifierKind.maximumLength
        var name = "\(prefix)-\(database)\(suffix)"
        if name.count > limit {
            let hash = "-" + Self.fnv1a32Hex(database)
            let room = limit - prefix.count - 1 - hash.count - suffix.count
            precondition(room > 0, "snapshot prefix \(prefix) is longer than the configuration allows")
            var shortened = String(database.prefix(room))
            while shortened.hasSuffix("-") { shortened.removeLast() }
            name = "\(prefix)-\(shortened)\(hash)\(suffix)"
        }
        source = name
        drCopy = name
    }

    /// 32-bit FNV-1a of the UTF-8 bytes, as 8 lower-case hex digits: stable across runs and platforms
    /// (unlike `Hasher`).
    static func fnv1a32Hex(_ text: String) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in text.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }
}
