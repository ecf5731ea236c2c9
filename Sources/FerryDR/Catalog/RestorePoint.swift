import FerryAWS
public import Foundation
import FerryPrimitives

/// A DR snapshot a database can be restored from, with everything the restore needs: the catalog's unit
/// (`ferry.restore_points`). A backup cycle records one when its DR copy becomes available, in the same
/// transaction as the step's checkpoint (the step's output carries it as `restore_point`); `ferry catalog
/// rebuild` records them from the DR snapshots' tags. JSON field names are snake_case, and the SQL trigger
/// that records a checkpoint's restore point reads exactly these.
public struct RestorePoint: Sendable, Codable, Equatable {
    public var database: String
    public var kind: DatabaseKind
    public var drRegion: String
    public var snapshotID: String
    public var snapshotARN: String
    /// When the source snapshot was taken: how old the data is.
    public var takenAt: Date
    /// The backup cycle that made it, when known.
    public var runID: String?
    public var source: SourceSettings

    enum CodingKeys: String, CodingKey {
        case database, kind
        case drRegion = "dr_region"
        case snapshotID = "snapshot_id"
        case snapshotARN = "snapshot_arn"
        case takenAt = "taken_at"
        case runID = "run_id"
        case source
    }

    public init(database: String, kind: DatabaseKind, drRegion: String, snapshotID: String, snapshotARN: String,
                takenAt: Date, runID: String?, source: SourceSettings) {
        self.database = database
        self.kind = kind
        self.drRegion = drRegion
        self.snapshotID = snapshotID
        self.snapshotARN = snapshotARN
        self.takenAt = takenAt
        self.runID = runID
        self.source = source
    }
}

/// The tags that carry a restore point on its DR snapshot, so that the catalog can be rebuilt from the DR
/// region alone: `ferry:taken-at` (ISO 8601), and the source's settings as base64 JSON in
/// `ferry:source-1`, `ferry:source-2`, … (RDS tag values are at most 256 characters of a set that base64
/// fits). The database's own tags are left out of them when they would take the snapshot past AWS's 50
/// tags; the catalog in PostgreSQL keeps them.
public enum RestorePointTags {
    public static let takenAt = "ferry:taken-at"
    public static let sourcePrefix = "ferry:source-"
    static let maxTags = 50
    static let maxValueLength = 256

    /// The tags for a snapshot that already carries `otherTags`.
    public static func tags(source: SourceSettings, takenAt: Date, otherTags: Int) throws -> [String: String] {
        var tags = [Self.takenAt: ISO8601.format(takenAt, fractionDigits: 3)]
        var encoded = try chunks(source)
        if otherTags + 1 + encoded.count > maxTags {
            var withoutTags = source
            withoutTags.tags = [:]
            encoded = try chunks(withoutTags)
        }
        for (index, chunk) in encoded.enumerated() { tags["\(sourcePrefix)\(index + 1)"] = chunk }
        return tags
    }

    /// The restore point a Ferry DR snapshot stands for, from its tags; nil when they do not describe one.
    public static func restorePoint(kind: DatabaseKind, region: String, identifier: String, arn: String?,
                                    tags: [String: String]) -> RestorePoint? {
        guard tags[FerryTags.managed] == FerryTags.managedValue, let database = tags[FerryTags.sourceDatabase],
              let arn, let takenText = tags[takenAt], let taken = ISO8601.parse(takenText) else { return nil }
        var text = ""
        var index = 1
        while let chunk = tags["\(sourcePrefix)\(index)"] {
            text += chunk
            index += 1
        }
        guard let data = Data(base64Encoded: text), let source = try? JSONDecoder().decode(SourceSettings.self, from: data),
              source.kind == kind else { return nil }
        return RestorePoint(database: database, kind: kind, drRegion: region, snapshotID: identifier, snapshotARN: arn,
                            takenAt: taken, runID: tags[FerryTags.runID], source: source)
    }

    private static func chunks(_ source: SourceSettings) throws -> [String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = try encoder.encode(source).base64EncodedString()
        return stride(from: 0, to: text.count, by: maxValueLength).map { start in
            let from = text.index(text.startIndex, offsetBy: start)
            let to = text.index(from, offsetBy: min(maxValueLength, text.count - start))
            return String(text[from..<to])
        }
    }
}
