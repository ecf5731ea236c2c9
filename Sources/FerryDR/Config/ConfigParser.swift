import FerryAWS
import FerryEngine
import Foundation
import Yams

/// Turns a YAML document into a `FerryConfig`, reporting every problem in it at once.
struct ConfigParser {
    static let topLevelKeys: Set<String> = [
        "primary_region", "dr_region", "dr_kms_key", "alert_topic_arn", "endpoints", "copy_slots", "defaults",
        "databases", "history_retention",
    ]
    static let selectorKeys: Set<String> = ["identifier", "pattern", "tagged", "kind"]

    let source: String
    private let reader: YAMLReader

    init(source: String) {
        self.source = source
        reader = YAMLReader(file: source)
    }

    func parse(yaml: String) throws(ConfigError) -> FerryConfig {
        guard let document = reader.compose(yaml, ifEmpty: "the file is empty: primary_region, dr_region, … are required"),
              let top = reader.mapping(document, at: YAMLPath(), allowedKeys: Self.topLevelKeys)
        else { throw reader.problemsInFileOrder }
        let path = YAMLPath()

        let primary = reader.required("primary_region", in: top)
            .flatMap { reader.value($0, at: path.key("primary_region"), AWSRegion.init(validating:)) }
        let drNode = reader.required("dr_region", in: top)
        let dr = drNode.flatMap { reader.value($0, at: path.key("dr_region"), AWSRegion.init(validating:)) }
        if let primary, let dr, primary == dr {
            reader.report("the DR region must differ from primary_region", at: path.key("dr_region"), node: drNode)
        }
        let kmsNode = reader.required("dr_kms_key", in: top)
        let kmsKey = kmsNode.flatMap { node in
            dr.flatMap { region in
                reader.value(node, at: path.key("dr_kms_key")) { text throws(InvalidValue) in
                    try KMSKeyReference(validating: text, region: region)
                }
            }
        }
        let topic = reader.required("alert_topic_arn", in: top)
            .flatMap { reader.value($0, at: path.key("alert_topic_arn"), ARN.snsTopic(validating:)) }
        let endpoints = top["endpoints"].map { parseEndpoints($0, at: path.key("endpoints")) } ?? AWSEndpoints()
        let copySlots = top["copy_slots"].map { parseCopySlots($0, at: path.key("copy_slots")) } ?? CopySlots()
        let defaults = top["defaults"].map { parseDefaults($0, at: path.key("defaults")) } ?? PartialSettings()
        let historyRetention = top["history_retention"].flatMap { node in
            reader.value(node, at: path.key("history_retention")) { text throws(InvalidValue) in
                let retention = try ConfigDuration.parse(text)
                guard retention >= FerryConfig.minimumHistoryRetention else { throw InvalidValue("must be at least 1d") }
                return retention
            }
        }
        let rules = reader.required("databases", in: top)
            .map { parseDatabases($0, at: path.key("databases"), defaults: defaults) }

        guard reader.problems.isEmpty, let primary, let dr, let kmsKey, let topic, let rules else {
            throw reader.problemsInFileOrder
        }
        return FerryConfig(
            source: source, primaryRegion: primary, drRegion: dr, drKMSKey: kmsKey, alertTopicARN: topic,
            endpoints: endpoints, copySlots: copySlots, databases: rules, historyRetention: historyRetention
        )
    }

    /// `copy_slots: {instance: N, cluster: N}`, each at most AWS's limit; what is left out keeps AWS's limit.
    private func parseCopySlots(_ node: Node, at path: YAMLPath) -> CopySlots {
        var slots = CopySlots()
        guard let mapping = reader.mapping(node, at: path, allowedKeys: ["instance", "cluster"]) else { return slots }
        if let node = mapping["instance"] {
            slots.instance = reader.int(node, at: path.key("instance"), in: 1...CopySlots.awsLimits.instance) ?? slots.instance
        }
        if let node = mapping["cluster"] {
            slots.cluster = reader.int(node, at: path.key("cluster"), in: 1...CopySlots.awsLimits.cluster) ?? slots.cluster
        }
        return slots
    }

    private func parseEndpoints(_ node: Node, at path: YAMLPath) -> AWSEndpoints {
        let services = Set(AWSService.allCases.map(\.rawValue))
        guard let mapping = reader.mapping(node, at: path, allowedKeys: services) else { return AWSEndpoints() }
        var overrides: [AWSService: URL] = [:]
        for (key, value) in mapping.entries {
            if let service = AWSService(rawValue: key), let url = reader.value(value, at: path.key(key), AWSEndpoints.validateURL) {
                overrides[service] = url
            }
        }
        return AWSEndpoints(overrides: overrides)
    }

    private func parseDefaults(_ node: Node, at path: YAMLPath) -> PartialSettings {
        guard let mapping = reader.mapping(node, at: path, allowedKeys: PartialSettings.keys) else { return PartialSettings() }
        return PartialSettings(reading: mapping, with: reader)
    }

    private func parseDatabases(_ node: Node, at path: YAMLPath, defaults: PartialSettings) -> [ProtectionRule] {
        guard let entries = reader.sequence(node, at: path) else { return [] }
        if entries.isEmpty { reader.report("list at least one database entry", at: path, node: node) }
        var rules: [ProtectionRule] = []
        var firstIndexOfSelector: [DatabaseSelector: Int] = [:]
        for (index, entry) in entries.enumerated() {
            let entryPath = path.index(index)
            guard let mapping = reader.mapping(entry, at: entryPath, allowedKeys: Self.selectorKeys.union(PartialSettings.keys))
            else { continue }
            let selector = parseSelector(mapping)
            let settings = defaults.overridden(by: PartialSettings(reading: mapping, with: reader))
                .completed(for: mapping, with: reader)
            guard let selector, let settings else { continue }
            if let earlier = firstIndexOfSelector[selector] {
                reader.report("selects the same databases as \(path.index(earlier)), which comes first and wins", at: entryPath, node: entry)
            }
            firstIndexOfSelector[selector, default: index] = index
            rules.append(ProtectionRule(selector: selector, settings: settings))
        }
        return rules
    }

    /// The selector of a `databases` entry: exactly one of `identifier`, `pattern`, `tagged`; `kind` optional.
    private func parseSelector(_ mapping: YAMLMapping) -> DatabaseSelector? {
        let path = mapping.path
        var kind: DatabaseKind?
        var kindIsValid = true
        if let node = mapping["kind"] {
            kind = reader.value(node, at: path.key("kind")) { text throws(InvalidValue) in
                guard let kind = DatabaseKind(rawValue: text) else { throw InvalidValue("expected instance or cluster") }
                return kind
            }
            kindIsValid = kind != nil
        }
        let given = ["identifier", "pattern", "tagged"].filter { mapping[$0] != nil }
        guard given.count == 1, let key = given.first, let node = mapping[key] else {
            let found = given.isEmpty ? "none" : given.joined(separator: " and ")
            reader.report("give exactly one of identifier, pattern or tagged (found \(found))", at: path, node: mapping.node)
            return nil
        }
        let matcher: DatabaseSelector.Matcher?
        switch key {
        case "identifier":
            let identifierKind = kind?.identifierKind ?? .dbInstance
            matcher = reader.value(node, at: path.key(key)) { text throws(InvalidValue) in
                try RDSIdentifier.validate(text, as: identifierKind)
            }.map { .identifier($0) }
        case "pattern":
            matcher = reader.value(node, at: path.key(key), DatabaseSelector.validatePattern).map { .pattern($0) }
        default:
            matcher = parseTagMatcher(node, at: path.key(key))
        }
        guard let matcher, kindIsValid else { return nil }
        return DatabaseSelector(kind: kind, matcher: matcher)
    }

    private func parseTagMatcher(_ node: Node, at path: YAMLPath) -> DatabaseSelector.Matcher? {
        guard let entries = reader.anyMapping(node, at: path) else { return nil }
        guard !entries.isEmpty else {
            reader.report("name at least one tag, e.g. {dr: \"true\"}", at: path, node: node)
            return nil
        }
        var tags: [String: String] = [:]
        for (key, value) in entries {
            if let text = reader.string(value, at: path.key(key)) { tags[key] = text }
        }
        return tags.count == entries.count ? .tagged(tags) : nil
    }
}
