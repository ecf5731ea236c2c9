import Foundation
import Testing
@testable import FerryDR
import FerryAWS

@Suite struct FerryConfigTests {
    static let exampleURL = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "examples/ferry.yaml")

    static let documentationURL = exampleURL.deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "docs/configuration.md")

    static let everyKey = ConfigParser.topLevelKeys.union(ConfigParser.selectorKeys).union(PartialSettings.keys)
        .union(PartialRestore.keys).union(["days", "count"]).union(AWSService.allCases.map(\.rawValue))

    @Test func theExampleAndTheReferenceShowEveryKey() throws {
        let example = try String(contentsOf: Self.exampleURL, encoding: .utf8)
        let reference = try String(contentsOf: Self.documentationURL, encoding: .utf8)
        for key in Self.everyKey.sorted() {
            #expect(example.contains("\(key):"), "examples/ferry.yaml lacks \(key)")
            #expect(reference.contains("`\(key)`"), "docs/configuration.md lacks \(key)")
        }
    }

    @Test func theExampleFileLoads() throws {
        let config = try FerryConfig.load(path: Self.exampleURL.path)
        #expect(config.primaryRegion.name == "us-east-1")
        #expect(config.drRegion.name == "us-west-2")
        #expect(config.drKMSKey == .alias("alias/ferry-dr"))
        #expect(config.alertTopicARN.resource == "ferry-alerts")
        #expect(config.historyRetention == .seconds(400 * 86_400))
        #expect(config.copySlots == CopySlots(instance: 12, cluster: 5))
        #expect(config.databases.count == 3)
        let orders = config.databases[0]
        #expect(orders.selector == DatabaseSelector(kind: .instance, matcher: .identifier("orders-db")))
        #expect(orders.settings.schedule.expression.text == "0 * * * *")
        #expect(orders.settings.schedule.timeZone.identifier == "Europe/Paris")
        #expect(orders.settings.retention == RetentionRule(count: 48))
        #expect(orders.settings.recoveryPointObjective == .seconds(90 * 60))
        #expect(orders.settings.snapshotTags == ["team": "platform", "cost-center": "4410"])
        let billing = config.databases[1].settings.restore
        #expect(billing.instanceClass == "db.r6g.xlarge")
        #expect(billing.multiAZ == true)
        #expect(billing.subnetGroup == "dr-private")
        #expect(billing.securityGroups == ["sg-0123456789abcdef0"])
        let tagged = config.databases[2]
        #expect(tagged.selector.matcher == .tagged(["dr": "true"]))
        #expect(tagged.settings.retention == RetentionRule(days: 7, count: 14))
        #expect(tagged.settings.drillSchedule?.expression.text == "0 6 * * sun")
        #expect(tagged.settings.optionGroupMapping == ["prod-mysql80-audit": "dr-mysql80-audit"])
    }
}
