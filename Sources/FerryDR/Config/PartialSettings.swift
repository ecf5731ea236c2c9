import FerryEngine
import Foundation
import Yams

/// The settings one level of the file gives (`defaults`, or one `databases` entry), each key optional.
/// A database's settings are `defaults` overridden by its entry, then completed.
struct PartialSettings {
    static let keys: Set<String> = [
        "schedule", "time_zone", "retention", "rpo", "snapshot_prefix", "snapshot_tags", "option_groups",
        "restore", "drill_schedule",
    ]
    static let maximumSnapshotPrefixLength = 20

    var schedule: CronExpression?
    var timeZone: TimeZone?
    var drillSchedule: CronExpression?
    var retention: RetentionRule?
    var recoveryPointObjective: Duration?
    var snapshotPrefix: String?
    var snapshotTags: [String: String] = [:]
    var optionGroupMapping: [String: String] = [:]
    var restore = PartialRestore()
    /// Required keys given with a refused value (already reported), so not reported again as missing.
    var refusedRequiredKeys: Set<String> = []

    init() {}

    /// Reads the settings keys of `mapping`; the caller decided which keys the mapping may have.
    init(reading mapping: YAMLMapping, with reader: YAMLReader) {
        let path = mapping.path
        if let node = mapping["schedule"] { schedule = reader.value(node, at: path.key("schedule"), CronExpression.init(parsing:)) }
        if let node = mapping["drill_schedule"] {
            drillSchedule = reader.value(node, at: path.key("drill_schedule"), CronExpression.init(parsing:))
        }
        if let node = mapping["time_zone"] { timeZone = reader.value(node, at: path.key("time_zone"), ConfigTimeZone.parse) }
        if let node = mapping["retention"] { retention = Self.retention(node, at: path.key("retention"), reader) }
        if let node = mapping["rpo"] { recoveryPointObjective = reader.value(node, at: path.key("rpo"), ConfigDuration.parse) }
        if let node = mapping["snapshot_prefix"] {
            snapshotPrefix = reader.value(node, at: path.key("snapshot_prefix"), Self.validateSnapshotPrefix)
        }
        if let node = mapping["snapshot_tags"] {
            snapshotTags = Self.dictionary(node, at: path.key("snapshot_tags"), reader, key: Self.validateTagKey) { text throws(InvalidValue) in
                guard text.count <= 256 else { throw InvalidValue("a tag value must be at most 256 characters") }
                return text
            }
        }
        if let node = mapping["option_groups"] {
            let optionGroup = { (text: String) throws(InvalidValue) in try RDSIdentifier.validate(text, as: .optionGroup) }
            optionGroupMapping = Self.dictionary(node, at: path.key("option_groups"), reader, key: optionGroup, value: optionGroup)
        }
        if let node = mapping["restore"] { restore = PartialRestore(reading: node, at: path.key("restore"), with: reader) }
        if mapping["schedule"] != nil, schedule == nil { refusedRequiredKeys.insert("schedule") }
        if mapping["retention"] != nil, retention == nil { refusedRequiredKeys.insert("retention") }
    }

    /// `self` with every key that `more` sets replacing ours. `snapshot_tags`, `option_groups` and the keys
    /// of `restore` merge one key at a time; `retention` is replaced whole.
    func overridden(by more: PartialSettings) -> PartialSettings {
        var merged = self
        merged.schedule = more.schedule ?? schedule
        merged.timeZone = more.timeZone ?? timeZone
        merged.drillSchedule = more.drillSchedule ?? drillSchedule
        merged.retention = more.retention ?? retention
        merged.recoveryPointObjective = more.recoveryPointObjective ?? recoveryPointObjective
        merged.snapshotPrefix = more.snapshotPrefix ?? snapshotPrefix
        merged.snapshotTags.merge(more.snapshotTags) { _, new in new }
        merged.optionGroupMapping.merge(more.optionGroupMapping) { _, new in new }
        merged.restore = restore.overridden(by: more.restore)
        merged.refusedRequiredKeys = refusedRequiredKeys.union(more.refusedRequiredKeys)
        return merged
    }

    /// The complete settings, or `nil` after reporting what is missing (at `mapping`, the database entry).
    func completed(for mapping: YAMLMapping, with reader: YAMLReader) -> DatabaseSettings? {
        let missing = { (key: String) in
            guard !refusedRequiredKeys.contains(key) else { return }
            reader.report("no \(key): set \"\(key)\" here or under \"defaults\"", at: mapping.path, node: mapping.node)
        }
        if schedule == nil { missing("schedule") }
        if retention == nil { missing("retention") }
        guard let schedule, let retention else { return nil }
        let zone = timeZone ?? .gmt
        return DatabaseSettings(
            schedule: CronSchedule(schedule, timeZone: zone),
            retention: retention,
            recoveryPointObjective: recoveryPointObjective,
            snapshotPrefix: snapshotPrefix ?? DatabaseSettings.defaultSnapshotPrefix,
            snapshotTags: snapshotTags,
            optionGroupMapping: optionGroupMapping,
            restore: restore.settings,
            drillSchedule: drillSchedule.map { CronSchedule($0, timeZone: zone) }
        )
    }

    private static func retention(_ node: Node, at path: YAMLPath, _ reader: YAMLReader) -> RetentionRule? {
        guard let mapping = reader.mapping(node, at: path, allowedKeys: ["days", "count"]) else { return nil }
        let days = mapping["days"].flatMap { reader.int($0, at: path.key("days"), in: 1...36_500) }
        let count = mapping["count"].flatMap { reader.int($0, at: path.key("count"), in: 1...10_000) }
        guard mapping["days"] != nil || mapping["count"] != nil else {
            reader.report("set days, count or both", at: path, node: node)
            return nil
        }
        let allValid = (mapping["days"] == nil || days != nil) && (mapping["count"] == nil || count != nil)
        return allValid ? RetentionRule(days: days, count: count) : nil
    }

    /// A mapping of the user's keys and values, each checked; entries with problems are reported and left out.
    private static func dictionary(
        _ node: Node, at path: YAMLPath, _ reader: YAMLReader,
        key validateKey: (String) throws(InvalidValue) -> String,
        value validateValue: (String) throws(InvalidValue) -> String
    ) -> [String: String] {
        var result: [String: String] = [:]
        for (key, valueNode) in reader.anyMapping(node, at: path) ?? [] {
            let entryPath = path.key(key)
            do {
                let validKey = try validateKey(key)
                if let value = reader.value(valueNode, at: entryPath, validateValue) { result[validKey] = value }
            } catch {
                reader.report("\"\(key)\": \(error)", at: entryPath, node: valueNode)
            }
        }
        return result
    }

    static func validateSnapshotPrefix(_ text: String) throws(InvalidValue) -> String {
        guard text.count <= maximumSnapshotPrefixLength else {
            throw InvalidValue("a snapshot prefix must be at most \(maximumSnapshotPrefixLength) characters")
        }
        return try RDSIdentifier.validate(text, as: .dbClusterSnapshot)
    }

    /// User tag keys: 1-128 characters, not `aws:` (AWS's own, and they break CopyTags) nor `ferry:` (Ferry's).
    private static func validateTagKey(_ text: String) throws(InvalidValue) -> String {
        guard !text.isEmpty, text.count <= 128 else { throw InvalidValue("a tag key must be 1-128 characters") }
        for reserved in ["aws:", FerryTags.prefix] where text.lowercased().hasPrefix(reserved) {
            throw InvalidValue("tag keys starting with \(reserved) are reserved")
        }
        return text
    }
}
