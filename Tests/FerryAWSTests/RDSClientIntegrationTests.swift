import FerryAWS
import FerryTestSupport
import Foundation
import Synchronization
import Testing

@Suite(Moto.enabled) struct RDSClientIntegrationTests {
    let aws = Moto.context()

    @Test func instanceSnapshotLifecycle() throws {
        let rds = try aws.rds(region: Moto.primaryRegion)
        let db = AWSTestEnvironment.uniqueName("db")
        let instance = try Moto.makeInstance(rds, name: db, tags: ["team": "sre"])
        #expect(instance.identifier == db)
        let described = try #require(try rds.describeDBInstances(identifier: db).first)
        #expect(described.engine == "postgres")
        #expect(described.tags == ["team": "sre"])
        #expect(described.arn?.hasPrefix("arn:aws:rds:us-east-1:") == true)

        let name = AWSTestEnvironment.uniqueName("snap")
        let created = try rds.createDBSnapshot(identifier: name, instanceIdentifier: db,
                                               tags: ["ferry:managed": "true", "ferry:run-id": "r1", "extra": "value with spaces é"])
        #expect(created.identifier == name)
        #expect(created.instanceIdentifier == db)

        let byID = try #require(try rds.describeDBSnapshot(identifier: name))
        #expect(byID.status == "available")
        #expect(byID.tags == ["ferry:managed": "true", "ferry:run-id": "r1", "extra": "value with spaces é"], "tags come back in the describe result")
        #expect(byID.snapshotType == "manual")
        #expect(byID.engine == "postgres")
        #expect(byID.createTime != nil)
        #expect(!byID.encrypted)

        let byInstance = try rds.describeDBSnapshots(DBSnapshotQuery(instanceIdentifier: db, snapshotType: "manual"))
        #expect(byInstance.map(\.identifier) == [name])
        let byFilter = try rds.describeDBSnapshots(DBSnapshotQuery(filters: [RDSFilter(name: "db-instance-id", values: [db])]))
        #expect(byFilter.map(\.identifier).contains(name))

        #expect(byID.arn != nil)

        let deleted = try rds.deleteDBSnapshot(identifier: name)
        #expect(deleted.identifier == name)
        #expect(try rds.describeDBSnapshot(identifier: name) == nil)
        _ = try rds.deleteDBInstance(identifier: db)
    }

    @Test func serviceErrorsAreTypedAndTerminal() throws {
        let rds = try aws.rds(region: Moto.primaryRegion)
        let error = try #require(throws: AWSError.self) {
            try rds.createDBSnapshot(identifier: AWSTestEnvironment.uniqueName("snap"), instanceIdentifier: "no-such-db")
        }
        #expect(error.code == .dbInstanceNotFound)
        #expect(error.kind == .service)
        #expect(error.classification == .terminal)
        #expect(error.httpStatus == 404 || error.httpStatus == 400)
        #expect(error.operation == "rds:CreateDBSnapshot")
        #expect(!error.message.isEmpty)

        let deleteError = try #require(throws: AWSError.self) { try rds.deleteDBSnapshot(identifier: "no-such-snapshot") }
        #expect(deleteError.code == .dbSnapshotNotFound)
    }

    @Test func restoreInstanceFromSnapshot() throws {
        let rds = try aws.rds(region: Moto.primaryRegion)
        let db = AWSTestEnvironment.uniqueName("db")
        _ = try Moto.makeInstance(rds, name: db)
        let snapshot = try rds.createDBSnapshot(identifier: AWSTestEnvironment.uniqueName("snap"), instanceIdentifier: db)
        let restoredName = AWSTestEnvironment.uniqueName("restored")
        let restored = try rds.restoreDBInstanceFromDBSnapshot(RestoreDBInstanceRequest(
            instanceIdentifier: restoredName, snapshotIdentifier: snapshot.identifier, instanceClass: "db.t3.small",
            vpcSecurityGroupIDs: ["sg-1234", "sg-5678"], multiAZ: true, publiclyAccessible: false,
            deletionProtection: false, tags: ["ferry:drill": "true"]))
        #expect(restored.identifier == restoredName)
        let described = try #require(try rds.describeDBInstances(identifier: restoredName).first)
        #expect(described.instanceClass == "db.t3.small")
        #expect(described.multiAZ == true)
        #expect(described.publiclyAccessible != true)  // moto 5.2 does not echo PubliclyAccessible after a restore
        #expect(Set(described.vpcSecurityGroupIDs) == ["sg-1234", "sg-5678"])
        #expect(described.tags["ferry:drill"] == "true")
        #expect(described.endpointAddress != nil)
        let deleted = try rds.deleteDBInstance(identifier: restoredName)
        #expect(deleted.identifier == restoredName)
    }

    /// A restore with the settings Ferry records of a source (storage, IAM authentication, licence, minor
    /// upgrades, tag copying, CA): moto takes each from the request and describes it back.
    @Test func restoreInstanceReproducesTheSourcesSettings() throws {
        let rds = try aws.rds(region: Moto.primaryRegion)
        let db = AWSTestEnvironment.uniqueName("db")
        _ = try Moto.makeInstance(rds, name: db)
        let source = try #require(try rds.describeDBInstances(identifier: db).first)
        #expect(source.allocatedStorage == 20)
        #expect(source.port == 5432)
        let snapshot = try rds.createDBSnapshot(identifier: AWSTestEnvironment.uniqueName("snap"), instanceIdentifier: db)
        let restoredName = AWSTestEnvironment.uniqueName("restored")
        _ = try rds.restoreDBInstanceFromDBSnapshot(RestoreDBInstanceRequest(
            instanceIdentifier: restoredName, snapshotIdentifier: snapshot.identifier, port: 6432, storageType: "gp3",
            iops: 3000, storageThroughput: 125, allocatedStorage: 40, enableIAMDatabaseAuthentication: true,
            licenseModel: "postgresql-license", autoMinorVersionUpgrade: true, copyTagsToSnapshot: true,
            caCertificateIdentifier: "rds-ca-rsa2048-g1"))
        let restored = try #require(try rds.describeDBInstances(identifier: restoredName).first)
        #expect(restored.storageType == "gp3")
        #expect(restored.iops == 3000)
        #expect(restored.storageThroughput == 125)
        #expect(restored.allocatedStorage == 40)
        #expect(restored.iamDatabaseAuthenticationEnabled == true)
        #expect(restored.licenseModel == "postgresql-license")
        #expect(restored.autoMinorVersionUpgrade == true)
        #expect(restored.copyTagsToSnapshot == true)
        #expect(restored.caCertificateIdentifier == "rds-ca-rsa2048-g1")
        #expect(restored.engineVersion == source.engineVersion)
        #expect(restored.port == 6432)
        _ = try rds.deleteDBInstance(identifier: restoredName)
    }

    @Test func encryptedCrossRegionCopyUnderDestinationKey() throws {
        let primary = try aws.rds(region: Moto.primaryRegion)
        let dr = try aws.rds(region: Moto.drRegion)
        let primaryKey = try aws.kms(region: Moto.primaryRegion).createKey(description: "ferry test source key")
        let drKey = try aws.kms(region: Moto.drRegion).createKey(description: "ferry test DR key", tags: ["ferry": "test"])
        #expect(try aws.kms(region: Moto.drRegion).describeKey(drKey.arn).keyID == drKey.keyID)

        let db = AWSTestEnvironment.uniqueName("db")
        _ = try Moto.makeInstance(primary, name: db, kmsKeyID: primaryKey.arn)
        let source = try primary.createDBSnapshot(identifier: AWSTestEnvironment.uniqueName("snap"), instanceIdentifier: db,
                                                  tags: ["ferry:managed": "true"])
        #expect(source.encrypted)
        let target = AWSTestEnvironment.uniqueName("copy")
        let request = try CopyDBSnapshotRequest.crossRegion(sourceARN: try #require(source.arn), targetIdentifier: target,
                                                            kmsKeyID: drKey.arn, copyTags: true)
        #expect(request.sourceRegion == Moto.primaryRegion)
        let copy = try dr.copyDBSnapshot(request)
        #expect(copy.identifier == target)

        let described = try #require(try dr.describeDBSnapshot(identifier: target))
        #expect(described.encrypted)
        #expect(described.kmsKeyID == drKey.arn || described.kmsKeyID == drKey.keyID)
        #expect(described.tags["ferry:managed"] == "true")
        #expect(described.arn?.contains(":\(Moto.drRegion):") == true)

        let again = try #require(throws: AWSError.self) { try dr.copyDBSnapshot(request) }
        #expect(again.code == .dbSnapshotAlreadyExists)
        #expect(again.classification == .terminal)

        var wrongKey = request
        wrongKey.targetIdentifier = AWSTestEnvironment.uniqueName("copy")
        wrongKey.kmsKeyID = primaryKey.arn
        let keyError = try #require(throws: AWSError.self) { try dr.copyDBSnapshot(wrongKey) }
        #expect(keyError.code == .kmsKeyNotAccessible)
    }

    @Test func auroraClusterSnapshotCopyAndRestore() throws {
        let primary = try aws.rds(region: Moto.primaryRegion)
        let dr = try aws.rds(region: Moto.drRegion)
        let clusterName = AWSTestEnvironment.uniqueName("cluster")
        let cluster = try primary.createDBCluster(identifier: clusterName, engine: "aurora-postgresql", masterUsername: "ferry",
                                                  masterUserPassword: "not-a-secret-1", tags: ["team": "sre"])
        #expect(cluster.identifier == clusterName)
        let described = try #require(try primary.describeDBClusters(identifier: clusterName).first)
        #expect(described.engine == "aurora-postgresql")
        #expect(described.tags == ["team": "sre"])

        let snapshotName = AWSTestEnvironment.uniqueName("csnap")
        let snapshot = try primary.createDBClusterSnapshot(identifier: snapshotName, clusterIdentifier: clusterName, tags: ["ferry:managed": "true"])
        #expect(snapshot.clusterIdentifier == clusterName)
        let found = try #require(try primary.describeDBClusterSnapshot(identifier: snapshotName))
        #expect(found.status == "available")
        #expect(found.tags["ferry:managed"] == "true")
        #expect(try primary.describeDBClusterSnapshots(clusterIdentifier: clusterName).map(\.identifier).contains(snapshotName))

        let copyName = AWSTestEnvironment.uniqueName("ccopy")
        let copy = try dr.copyDBClusterSnapshot(try .crossRegion(sourceARN: try #require(found.arn), targetIdentifier: copyName,
                                                                 kmsKeyID: nil, copyTags: true))
        #expect(copy.identifier == copyName)
        #expect(try dr.describeDBClusterSnapshot(identifier: copyName) != nil)

        let restoredName = AWSTestEnvironment.uniqueName("restored")
        let restored = try dr.restoreDBClusterFromSnapshot(RestoreDBClusterRequest(
            clusterIdentifier: restoredName, snapshotIdentifier: copyName, engine: "aurora-postgresql", engineVersion: "15.6",
            enableIAMDatabaseAuthentication: true, serverlessV2ScalingConfiguration: ServerlessV2Scaling(minCapacity: 0.5, maxCapacity: 16.5),
            copyTagsToSnapshot: true, tags: ["ferry:restore": "true"]))
        #expect(restored.identifier == restoredName)
        let instance = try dr.createDBInstance(CreateDBInstanceRequest(
            instanceIdentifier: AWSTestEnvironment.uniqueName("restored-1"), instanceClass: "db.r6g.large",
            engine: "aurora-postgresql", clusterIdentifier: restoredName, parameterGroupName: "default.aurora-postgresql15",
            publiclyAccessible: true, availabilityZone: "\(Moto.drRegion)b", tags: ["ferry:restore": "true"]))
        #expect(instance.clusterIdentifier == restoredName)
        let restoredCluster = try #require(try dr.describeDBClusters(identifier: restoredName).first)
        #expect(restoredCluster.memberInstanceIdentifiers.contains(instance.identifier))
        #expect(restoredCluster.engineVersion == "15.6")
        #expect(restoredCluster.iamDatabaseAuthenticationEnabled == true)
        #expect(restoredCluster.serverlessV2Scaling == ServerlessV2Scaling(minCapacity: 0.5, maxCapacity: 16.5))
        #expect(restoredCluster.copyTagsToSnapshot == true)
        #expect(restoredCluster.engineMode == "provisioned")
        #expect(restoredCluster.dbClusterParameterGroup != nil)
        let member = try #require(try dr.describeDBInstances(identifier: instance.identifier).first)
        #expect(member.parameterGroupNames == ["default.aurora-postgresql15"])
        #expect(member.publiclyAccessible == true)
        #expect(member.availabilityZone == "\(Moto.drRegion)b")
        #expect(member.tags == ["ferry:restore": "true"])

        #expect(try dr.deleteDBClusterSnapshot(identifier: copyName).identifier == copyName)
        #expect(try dr.describeDBClusterSnapshot(identifier: copyName) == nil)
    }
}

/// A region the emulator has taken down (`POST /ferry-api/regions/<region> {"down": true}`): no call gets an
/// answer, so every client sees a retryable transport failure and the emulator counts each attempt.
@Suite(Moto.enabled) struct RegionDownIntegrationTests {
    static let region = "af-south-1"  // no other test uses it
    let aws = Moto.context()

    @Test func everyServiceOfTheRegionFailsAsAConnectionDroppedWithoutAnswer() throws {
        try Self.control("POST", "/ferry-api/calls/reset", body: #"{"region": "\#(Self.region)"}"#)
        let state = try Self.control("POST", "/ferry-api/regions/\(Self.region)", body: #"{"down": true}"#)
        defer { _ = try? Self.control("DELETE", "/ferry-api/regions/\(Self.region)") }
        #expect(state.contains(#""down": true"#) && state.contains(#""mode": "polls""#))

        let rds = try #require(throws: AWSError.self) { try aws.rds(region: Self.region).describeDBInstances() }
        #expect(rds.kind == .transport)
        #expect(rds.code == .connectionFailed)
        #expect(rds.classification == .retryable)
        #expect(rds.message.contains("curl error 52"), "\(rds.message)")
        let kms = try #require(throws: AWSError.self) { try aws.kms(region: Self.region).createKey(description: "never") }
        let sns = try #require(throws: AWSError.self) { try aws.sns(region: Self.region).createTopic(name: "never") }
        let sts = try #require(throws: AWSError.self) { try aws.sts(region: Self.region).getCallerIdentity() }
        #expect([kms.kind, sns.kind, sts.kind] == [.transport, .transport, .transport])
        #expect(try aws.rds(region: Moto.drRegion).describeDBInstances(pageSize: 20).count >= 0)  // other regions answer

        let calls = try Self.control("GET", "/ferry-api/calls?region=\(Self.region)")
        let counted = try JSONDecoder().decode([String: [String: Int]].self, from: Data(calls.utf8))[Self.region] ?? [:]
        #expect(counted == ["DescribeDBInstances": 3, "kms:CreateKey": 3, "sns:CreateTopic": 3, "sts:GetCallerIdentity": 3],
                "every attempt of the retry policy (3) is refused and counted")
    }

    /// The emulator's control API (scripts/rds_emulator.py), through curl.
    @discardableResult
    static func control(_ method: String, _ path: String, body: String? = nil) throws -> String {
        let endpoint = try #require(AWSTestEnvironment.endpoint)
        var arguments = ["curl", "-sS", "--fail-with-body", "-X", method, endpoint + path]
        if let body { arguments += ["-H", "Content-Type: application/json", "--data-binary", body] }
        let result = try FerryProcess.run(arguments, executable: "/usr/bin/env")
        try #require(result.status == 0, "\(method) \(path): \(result.stdout) \(result.stderr)")
        return result.stdout
    }
}

@Suite(Moto.enabled) struct ClientsPerThreadIntegrationTests {
    /// The engine's model: one shared context (credential chain, endpoints), one client per OS thread.
    @Test func threadsShareTheContextNotTheClients() throws {
        let aws = AWSContext(credentials: DefaultCredentialChain(), endpoints: EndpointResolver())
        let db = AWSTestEnvironment.uniqueName("db")
        _ = try Moto.makeInstance(try aws.rds(region: Moto.primaryRegion), name: db)
        let failures = Mutex<[String]>([])
        let done = DispatchGroup()
        for index in 0..<4 {
            done.enter()
            Thread.detachNewThread {
                defer { done.leave() }
                do {
                    let rds = try aws.rds(region: index % 2 == 0 ? Moto.primaryRegion : Moto.drRegion)
                    for _ in 0..<5 { _ = try rds.describeDBInstances() }
                    if index % 2 == 0, try rds.describeDBInstances(identifier: db).first?.identifier != db {
                        failures.withLock { $0.append("thread \(index) did not find \(db)") }
                    }
                } catch {
                    failures.withLock { $0.append("thread \(index): \(error)") }
                }
            }
        }
        #expect(done.wait(timeout: .now() + 60) == .success)
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
    }
}

@Suite(Moto.enabled) struct OtherServicesIntegrationTests {
    let aws = Moto.context()

    @Test func snsPublishToCreatedTopic() throws {
        let sns = try aws.sns(region: Moto.drRegion)
        let topic = try sns.createTopic(name: AWSTestEnvironment.uniqueName("ferry-alerts"))
        #expect(topic.hasPrefix("arn:aws:sns:\(Moto.drRegion):"))
        let messageID = try sns.publish(topicARN: topic, message: "RPO at risk for db1 — ünïcode", subject: "Ferry alert")
        #expect(!messageID.isEmpty)
    }

    @Test func kmsDescribeMissingKeyIsNotFound() throws {
        let error = try #require(throws: AWSError.self) {
            try aws.kms(region: Moto.primaryRegion).describeKey("alias/no-such-key-\(UUID().uuidString)")
        }
        #expect(error.code == .kmsNotFound)
        #expect(error.classification == .terminal)
    }

    @Test func stsCallerIdentity() throws {
        let identity = try aws.sts(region: Moto.primaryRegion).getCallerIdentity()
        #expect(identity.account.count == 12)
        #expect(identity.arn.hasPrefix("arn:aws:"))
    }

    @Test func stsAssumeRole() throws {
        let credentials = try aws.sts(region: Moto.primaryRegion)
            .assumeRole(roleARN: "arn:aws:iam::123456789012:role/ferry", sessionName: "ferry-test", duration: 900)
        #expect(credentials.sessionToken != nil)
        #expect(credentials.expiration != nil)
    }
}
