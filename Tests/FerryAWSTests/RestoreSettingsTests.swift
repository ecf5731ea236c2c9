import Foundation
import Testing
@testable import FerryAWS

/// What a restore needs to reproduce a database: decoded from DescribeDBInstances / DescribeDBClusters as RDS
/// writes them, and sent by RestoreDBInstanceFromDBSnapshot, RestoreDBClusterFromSnapshot and CreateDBInstance
/// under botocore's member names, nothing for a field left nil.
@Suite struct RestoreSettingsTests {
    /// A gp3 PostgreSQL instance as DescribeDBInstances returns it (trimmed of members Ferry does not read);
    /// `DbInstancePort` is 0 there, as RDS reports it for an instance outside a cluster.
    static let instanceXML = """
        <DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
          <DescribeDBInstancesResult>
            <DBInstances>
              <DBInstance>
                <DBInstanceIdentifier>orders</DBInstanceIdentifier>
                <DBInstanceArn>arn:aws:rds:eu-west-1:123456789012:db:orders</DBInstanceArn>
                <DBInstanceClass>db.r6g.large</DBInstanceClass>
                <Engine>postgres</Engine>
                <EngineVersion>16.4</EngineVersion>
                <DBInstanceStatus>available</DBInstanceStatus>
                <MasterUsername>ferry</MasterUsername>
                <Endpoint>
                  <Address>orders.c9akciq32.eu-west-1.rds.amazonaws.com</Address>
                  <Port>6432</Port>
                  <HostedZoneId>Z29XKXDKYMONMX</HostedZoneId>
                </Endpoint>
                <AllocatedStorage>400</AllocatedStorage>
                <InstanceCreateTime>2026-03-02T09:15:44.102Z</InstanceCreateTime>
                <PreferredBackupWindow>03:00-03:30</PreferredBackupWindow>
                <BackupRetentionPeriod>7</BackupRetentionPeriod>
                <DBSecurityGroups/>
                <VpcSecurityGroups>
                  <VpcSecurityGroupMembership><VpcSecurityGroupId>sg-0a1b2c3d</VpcSecurityGroupId><Status>active</Status></VpcSecurityGroupMembership>
                </VpcSecurityGroups>
                <DBParameterGroups>
                  <DBParameterGroup><DBParameterGroupName>orders-pg16</DBParameterGroupName><ParameterApplyStatus>in-sync</ParameterApplyStatus></DBParameterGroup>
                </DBParameterGroups>
                <AvailabilityZone>eu-west-1b</AvailabilityZone>
                <DBSubnetGroup>
                  <DBSubnetGroupName>private-db</DBSubnetGroupName>
                  <VpcId>vpc-0123</VpcId>
                  <SubnetGroupStatus>Complete</SubnetGroupStatus>
                </DBSubnetGroup>
                <PreferredMaintenanceWindow>sun:04:00-sun:04:30</PreferredMaintenanceWindow>
                <PendingModifiedValues/>
                <MultiAZ>true</MultiAZ>
                <AutoMinorVersionUpgrade>false</AutoMinorVersionUpgrade>
                <ReadReplicaDBInstanceIdentifiers/>
                <LicenseModel>postgresql-license</LicenseModel>
                <Iops>12000</Iops>
                <StorageThroughput>500</StorageThroughput>
                <OptionGroupMemberships>
                  <OptionGroupMembership><OptionGroupName>default:postgres-16</OptionGroupName><Status>in-sync</Status></OptionGroupMembership>
                </OptionGroupMemberships>
                <PubliclyAccessible>false</PubliclyAccessible>
                <StorageType>gp3</StorageType>
                <DbInstancePort>0</DbInstancePort>
                <StorageEncrypted>true</StorageEncrypted>
                <KmsKeyId>arn:aws:kms:eu-west-1:123456789012:key/0f6b9e1a-0000-4000-8000-1234567890ab</KmsKeyId>
                <DbiResourceId>db-ABCDEFGHIJKLMNOPQRSTUVWXYZ</DbiResourceId>
                <CACertificateIdentifier>rds-ca-rsa2048-g1</CACertificateIdentifier>
                <DomainMemberships/>
                <CopyTagsToSnapshot>true</CopyTagsToSnapshot>
                <MonitoringInterval>0</MonitoringInterval>
                <IAMDatabaseAuthenticationEnabled>true</IAMDatabaseAuthenticationEnabled>
                <PerformanceInsightsEnabled>false</PerformanceInsightsEnabled>
                <DeletionProtection>true</DeletionProtection>
                <TagList><Tag><Key>team</Key><Value>payments</Value></Tag></TagList>
                <CustomerOwnedIpEnabled>false</CustomerOwnedIpEnabled>
                <NetworkType>IPV4</NetworkType>
                <BackupTarget>region</BackupTarget>
                <CertificateDetails><CAIdentifier>rds-ca-rsa2048-g1</CAIdentifier><ValidTill>2027-03-02T09:12:00Z</ValidTill></CertificateDetails>
                <DedicatedLogVolume>false</DedicatedLogVolume>
              </DBInstance>
            </DBInstances>
          </DescribeDBInstancesResult>
          <ResponseMetadata><RequestId>5c2d7f0e-1111-4222-8333-944455556666</RequestId></ResponseMetadata>
        </DescribeDBInstancesResponse>
        """

    /// An Aurora PostgreSQL cluster with Serverless v2 instances, as DescribeDBClusters returns it (trimmed).
    static let clusterXML = """
        <DescribeDBClustersResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
          <DescribeDBClustersResult>
            <DBClusters>
              <DBCluster>
                <AllocatedStorage>1</AllocatedStorage>
                <AvailabilityZones>
                  <AvailabilityZone>eu-west-1a</AvailabilityZone><AvailabilityZone>eu-west-1b</AvailabilityZone><AvailabilityZone>eu-west-1c</AvailabilityZone>
                </AvailabilityZones>
                <BackupRetentionPeriod>7</BackupRetentionPeriod>
                <DBClusterIdentifier>ledger</DBClusterIdentifier>
                <DBClusterParameterGroup>ledger-aurora-pg15</DBClusterParameterGroup>
                <DBSubnetGroup>private-db</DBSubnetGroup>
                <Status>available</Status>
                <Endpoint>ledger.cluster-c9akciq32.eu-west-1.rds.amazonaws.com</Endpoint>
                <ReaderEndpoint>ledger.cluster-ro-c9akciq32.eu-west-1.rds.amazonaws.com</ReaderEndpoint>
                <MultiAZ>true</MultiAZ>
                <Engine>aurora-postgresql</Engine>
                <EngineVersion>15.6</EngineVersion>
                <Port>5432</Port>
                <MasterUsername>ferry</MasterUsername>
                <DBClusterOptionGroupMemberships/>
                <ReadReplicaIdentifiers/>
                <DBClusterMembers>
                  <DBClusterMember><DBInstanceIdentifier>ledger-1</DBInstanceIdentifier><IsClusterWriter>true</IsClusterWriter><DBClusterParameterGroupStatus>in-sync</DBClusterParameterGroupStatus><PromotionTier>1</PromotionTier></DBClusterMember>
                  <DBClusterMember><DBInstanceIdentifier>ledger-2</DBInstanceIdentifier><IsClusterWriter>false</IsClusterWriter><DBClusterParameterGroupStatus>in-sync</DBClusterParameterGroupStatus><PromotionTier>1</PromotionTier></DBClusterMember>
                </DBClusterMembers>
                <VpcSecurityGroups>
                  <VpcSecurityGroupMembership><VpcSecurityGroupId>sg-0a1b2c3d</VpcSecurityGroupId><Status>active</Status></VpcSecurityGroupMembership>
                </VpcSecurityGroups>
                <HostedZoneId>Z29XKXDKYMONMX</HostedZoneId>
                <StorageEncrypted>true</StorageEncrypted>
                <KmsKeyId>arn:aws:kms:eu-west-1:123456789012:key/0f6b9e1a-0000-4000-8000-1234567890ab</KmsKeyId>
                <DbClusterResourceId>cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ</DbClusterResourceId>
                <DBClusterArn>arn:aws:rds:eu-west-1:123456789012:cluster:ledger</DBClusterArn>
                <AssociatedRoles/>
                <IAMDatabaseAuthenticationEnabled>true</IAMDatabaseAuthenticationEnabled>
                <ClusterCreateTime>2026-01-12T08:30:00.511Z</ClusterCreateTime>
                <EngineMode>provisioned</EngineMode>
                <DeletionProtection>true</DeletionProtection>
                <HttpEndpointEnabled>false</HttpEndpointEnabled>
                <CopyTagsToSnapshot>true</CopyTagsToSnapshot>
                <CrossAccountClone>false</CrossAccountClone>
                <DomainMemberships/>
                <TagList><Tag><Key>team</Key><Value>ledger</Value></Tag></TagList>
                <ServerlessV2ScalingConfiguration>
                  <MinCapacity>0.5</MinCapacity>
                  <MaxCapacity>16.0</MaxCapacity>
                </ServerlessV2ScalingConfiguration>
                <NetworkType>IPV4</NetworkType>
              </DBCluster>
            </DBClusters>
          </DescribeDBClustersResult>
          <ResponseMetadata><RequestId>6d3e8a1f-1111-4222-8333-944455556666</RequestId></ResponseMetadata>
        </DescribeDBClustersResponse>
        """

    static func instances(_ members: String) -> String {
        """
        <DescribeDBInstancesResponse><DescribeDBInstancesResult><DBInstances><DBInstance>
        <DBInstanceIdentifier>d</DBInstanceIdentifier><DBInstanceStatus>creating</DBInstanceStatus>\(members)
        </DBInstance></DBInstances></DescribeDBInstancesResult></DescribeDBInstancesResponse>
        """
    }

    static func clusters(_ members: String) -> String {
        """
        <DescribeDBClustersResponse><DescribeDBClustersResult><DBClusters><DBCluster>
        <DBClusterIdentifier>c</DBClusterIdentifier><Status>creating</Status>\(members)
        </DBCluster></DBClusters></DescribeDBClustersResult></DescribeDBClustersResponse>
        """
    }

    static let restoredInstance = "<RestoreDBInstanceFromDBSnapshotResponse><RestoreDBInstanceFromDBSnapshotResult><DBInstance><DBInstanceIdentifier>r</DBInstanceIdentifier><DBInstanceStatus>creating</DBInstanceStatus></DBInstance></RestoreDBInstanceFromDBSnapshotResult></RestoreDBInstanceFromDBSnapshotResponse>"
    static let restoredCluster = "<RestoreDBClusterFromSnapshotResponse><RestoreDBClusterFromSnapshotResult><DBCluster><DBClusterIdentifier>r</DBClusterIdentifier><Status>creating</Status></DBCluster></RestoreDBClusterFromSnapshotResult></RestoreDBClusterFromSnapshotResponse>"
    static let createdInstance = "<CreateDBInstanceResponse><CreateDBInstanceResult><DBInstance><DBInstanceIdentifier>r-1</DBInstanceIdentifier><DBInstanceStatus>creating</DBInstanceStatus></DBInstance></CreateDBInstanceResult></CreateDBInstanceResponse>"

    /// The form body of the one request sent, as (name, value) pairs in order, without Action and Version.
    static func sent(_ transport: ScriptedTransport) throws -> [String] {
        let body = try #require(transport.bodies.first)
        return body.split(separator: "&").compactMap { pair -> String? in
            let decoded = String(pair).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(pair)
            return decoded.hasPrefix("Action=") || decoded.hasPrefix("Version=") ? nil : decoded
        }
    }

    // MARK: - Decoding

    @Test func instanceSettingsAreDecoded() throws {
        let transport = ScriptedTransport([ScriptedTransport.xml(200, Self.instanceXML)])
        let instance = try #require(try Scripted.rds(transport).describeDBInstances(identifier: "orders").first)
        #expect(instance.allocatedStorage == 400)
        #expect(instance.storageType == "gp3")
        #expect(instance.iops == 12000)
        #expect(instance.storageThroughput == 500)
        #expect(instance.iamDatabaseAuthenticationEnabled == true)
        #expect(instance.engineVersion == "16.4")
        #expect(instance.licenseModel == "postgresql-license")
        #expect(instance.autoMinorVersionUpgrade == false)
        #expect(instance.copyTagsToSnapshot == true)
        #expect(instance.caCertificateIdentifier == "rds-ca-rsa2048-g1")
        #expect(instance.dbInstancePort == 0)
        #expect(instance.endpointPort == 6432)
        #expect(instance.port == 6432, "the endpoint's port, not DbInstancePort's 0")
        // What was decoded before stays as it was.
        #expect(instance.parameterGroupNames == ["orders-pg16"])
        #expect(instance.optionGroupNames == ["default:postgres-16"])
        #expect(instance.dbSubnetGroupName == "private-db")
        #expect(instance.multiAZ == true && instance.publiclyAccessible == false && instance.deletionProtection == true)
        #expect(instance.availabilityZone == "eu-west-1b")
        #expect(instance.tags == ["team": "payments"])
    }

    @Test func instanceMembersRDSLeavesOutAreNil() throws {
        let transport = ScriptedTransport([ScriptedTransport.xml(200, Self.instances("<StorageType></StorageType>"))])
        let instance = try #require(try Scripted.rds(transport).describeDBInstances().first)
        #expect(instance.allocatedStorage == nil && instance.storageType == nil && instance.iops == nil)
        #expect(instance.storageThroughput == nil && instance.iamDatabaseAuthenticationEnabled == nil)
        #expect(instance.licenseModel == nil && instance.autoMinorVersionUpgrade == nil && instance.copyTagsToSnapshot == nil)
        #expect(instance.caCertificateIdentifier == nil && instance.dbInstancePort == nil && instance.port == nil)
    }

    @Test(arguments: [
        ("<DbInstancePort>5432</DbInstancePort>", 5432),  // a creating cluster member: no endpoint yet
        ("<DbInstancePort>0</DbInstancePort>", nil),
        ("<Endpoint><Address>a</Address><Port>3306</Port></Endpoint><DbInstancePort>5432</DbInstancePort>", 3306),
    ] as [(String, Int?)])
    func portIsTheEndpointsElseANonZeroDbInstancePort(members: String, port: Int?) throws {
        let transport = ScriptedTransport([ScriptedTransport.xml(200, Self.instances(members))])
        #expect(try Scripted.rds(transport).describeDBInstances().first?.port == port)
    }

    @Test func clusterSettingsAreDecoded() throws {
        let transport = ScriptedTransport([ScriptedTransport.xml(200, Self.clusterXML)])
        let cluster = try #require(try Scripted.rds(transport).describeDBClusters(identifier: "ledger").first)
        #expect(cluster.dbClusterParameterGroup == "ledger-aurora-pg15")
        #expect(cluster.iamDatabaseAuthenticationEnabled == true)
        #expect(cluster.engineMode == "provisioned")
        #expect(cluster.serverlessV2Scaling == ServerlessV2Scaling(minCapacity: 0.5, maxCapacity: 16))
        #expect(cluster.copyTagsToSnapshot == true)
        #expect(cluster.engineVersion == "15.6")
        #expect(cluster.port == 5432)
        #expect(cluster.dbSubnetGroupName == "private-db")
        #expect(cluster.memberInstanceIdentifiers == ["ledger-1", "ledger-2"])
        #expect(cluster.deletionProtection == true && cluster.storageEncrypted)
        #expect(cluster.tags == ["team": "ledger"])
    }

    @Test func clusterMembersRDSLeavesOutAreNil() throws {
        let transport = ScriptedTransport([ScriptedTransport.xml(200, Self.clusters(""))])
        let cluster = try #require(try Scripted.rds(transport).describeDBClusters().first)
        #expect(cluster.dbClusterParameterGroup == nil && cluster.iamDatabaseAuthenticationEnabled == nil)
        #expect(cluster.engineMode == nil && cluster.serverlessV2Scaling == nil && cluster.copyTagsToSnapshot == nil)
    }

    @Test func aScalingConfigurationWithOneBoundKeepsIt() throws {
        let members = "<ServerlessV2ScalingConfiguration><MaxCapacity>128</MaxCapacity></ServerlessV2ScalingConfiguration>"
        let transport = ScriptedTransport([ScriptedTransport.xml(200, Self.clusters(members))])
        let scaling = try Scripted.rds(transport).describeDBClusters().first?.serverlessV2Scaling
        #expect(scaling == ServerlessV2Scaling(minCapacity: nil, maxCapacity: 128))
    }

    @Test func aCapacityThatIsNotANumberIsMalformed() throws {
        let members = "<ServerlessV2ScalingConfiguration><MinCapacity>half</MinCapacity></ServerlessV2ScalingConfiguration>"
        let transport = ScriptedTransport([ScriptedTransport.xml(200, Self.clusters(members))])
        let error = try #require(throws: AWSError.self) { try Scripted.rds(transport).describeDBClusters() }
        #expect(error.kind == .malformedResponse)
        #expect(error.message.contains("<ServerlessV2ScalingConfiguration><MinCapacity> is not a number"), "\(error.message)")
    }

    // MARK: - Requests

    @Test func restoreInstanceSendsEverySettingUnderBotocoresNames() throws {
        let transport = ScriptedTransport([ScriptedTransport.xml(200, Self.restoredInstance)])
        _ = try Scripted.rds(transport).restoreDBInstanceFromDBSnapshot(RestoreDBInstanceRequest(
            instanceIdentifier: "orders-dr", snapshotIdentifier: "ferry-orders-1", instanceClass: "db.r6g.large",
            dbSubnetGroupName: "dr-private", vpcSecurityGroupIDs: ["sg-dr1"], multiAZ: true, publiclyAccessible: false,
            parameterGroupName: "orders-pg16", optionGroupName: "orders-og", port: 6432, availabilityZone: nil,
            deletionProtection: true, storageType: "gp3", iops: 12000, storageThroughput: 500, allocatedStorage: 400,
            enableIAMDatabaseAuthentication: true, licenseModel: "postgresql-license", autoMinorVersionUpgrade: false,
            copyTagsToSnapshot: true, caCertificateIdentifier: "rds-ca-rsa2048-g1", tags: ["team": "payments"]))
        #expect(try Self.sent(transport) == [
            "DBInstanceIdentifier=orders-dr", "DBSnapshotIdentifier=ferry-orders-1", "DBInstanceClass=db.r6g.large",
            "Port=6432", "DBSubnetGroupName=dr-private", "MultiAZ=true", "PubliclyAccessible=false",
            "OptionGroupName=orders-og", "Tags.Tag.1.Key=team", "Tags.Tag.1.Value=payments",
            "VpcSecurityGroupIds.VpcSecurityGroupId.1=sg-dr1", "DBParameterGroupName=orders-pg16", "DeletionProtection=true",
            "StorageType=gp3", "Iops=12000", "StorageThroughput=500", "AllocatedStorage=400",
            "EnableIAMDatabaseAuthentication=true", "LicenseModel=postgresql-license", "AutoMinorVersionUpgrade=false",
            "CopyTagsToSnapshot=true", "CACertificateIdentifier=rds-ca-rsa2048-g1",
        ])
    }

    @Test func restoreInstanceSendsNothingForNilSettings() throws {
        let transport = ScriptedTransport([ScriptedTransport.xml(200, Self.restoredInstance)])
        _ = try Scripted.rds(transport).restoreDBInstanceFromDBSnapshot(
            RestoreDBInstanceRequest(instanceIdentifier: "orders-dr", snapshotIdentifier: "ferry-orders-1"))
        #expect(try Self.sent(transport) == ["DBInstanceIdentifier=orders-dr", "DBSnapshotIdentifier=ferry-orders-1"])
    }

    @Test func restoreClusterSendsEverySettingUnderBotocoresNames() throws {
        let transport = ScriptedTransport([ScriptedTransport.xml(200, Self.restoredCluster)])
        _ = try Scripted.rds(transport).restoreDBClusterFromSnapshot(RestoreDBClusterRequest(
            clusterIdentifier: "ledger-dr", snapshotIdentifier: "arn:aws:rds:us-west-2:123456789012:cluster-snapshot:ferry-ledger-1",
            engine: "aurora-postgresql", engineVersion: "15.6", port: 5432, dbSubnetGroupName: "dr-private",
            vpcSecurityGroupIDs: ["sg-dr1", "sg-dr2"], optionGroupName: nil, parameterGroupName: "ledger-aurora-pg15",
            kmsKeyID: "alias/ferry-dr", enableIAMDatabaseAuthentication: true,
            serverlessV2ScalingConfiguration: ServerlessV2Scaling(minCapacity: 0.5, maxCapacity: 16),
            copyTagsToSnapshot: true, deletionProtection: false, tags: ["team": "ledger"]))
        #expect(try Self.sent(transport) == [
            "DBClusterIdentifier=ledger-dr", "SnapshotIdentifier=arn:aws:rds:us-west-2:123456789012:cluster-snapshot:ferry-ledger-1",
            "Engine=aurora-postgresql", "EngineVersion=15.6", "Port=5432", "DBSubnetGroupName=dr-private",
            "VpcSecurityGroupIds.VpcSecurityGroupId.1=sg-dr1", "VpcSecurityGroupIds.VpcSecurityGroupId.2=sg-dr2",
            "Tags.Tag.1.Key=team", "Tags.Tag.1.Value=ledger", "KmsKeyId=alias/ferry-dr", "EnableIAMDatabaseAuthentication=true",
            "DBClusterParameterGroupName=ledger-aurora-pg15", "DeletionProtection=false", "CopyTagsToSnapshot=true",
            "ServerlessV2ScalingConfiguration.MinCapacity=0.5", "ServerlessV2ScalingConfiguration.MaxCapacity=16.0",
        ])
    }

    @Test func restoreClusterSendsNothingForNilSettings() throws {
        let transport = ScriptedTransport([ScriptedTransport.xml(200, Self.restoredCluster)])
        _ = try Scripted.rds(transport).restoreDBClusterFromSnapshot(
            RestoreDBClusterRequest(clusterIdentifier: "ledger-dr", snapshotIdentifier: "ferry-ledger-1", engine: "aurora-postgresql"))
        #expect(try Self.sent(transport) == ["DBClusterIdentifier=ledger-dr", "SnapshotIdentifier=ferry-ledger-1", "Engine=aurora-postgresql"])
    }

    @Test func aScalingConfigurationWithOneBoundSendsOnlyThatBound() throws {
        let transport = ScriptedTransport([ScriptedTransport.xml(200, Self.restoredCluster)])
        _ = try Scripted.rds(transport).restoreDBClusterFromSnapshot(RestoreDBClusterRequest(
            clusterIdentifier: "c", snapshotIdentifier: "s", engine: "aurora-mysql",
            serverlessV2ScalingConfiguration: ServerlessV2Scaling(minCapacity: nil, maxCapacity: 64.5)))
        #expect(try Self.sent(transport).filter { $0.hasPrefix("Serverless") } == ["ServerlessV2ScalingConfiguration.MaxCapacity=64.5"])
    }

    @Test func clusterInstanceSendsParameterGroupAccessibilityZoneAndTags() throws {
        let transport = ScriptedTransport([ScriptedTransport.xml(200, Self.createdInstance)])
        _ = try Scripted.rds(transport).createDBInstance(CreateDBInstanceRequest(
            instanceIdentifier: "ledger-dr-1", instanceClass: "db.serverless", engine: "aurora-postgresql",
            clusterIdentifier: "ledger-dr", dbSubnetGroupName: "dr-private", parameterGroupName: "ledger-instance-pg15",
            publiclyAccessible: false, availabilityZone: "us-west-2b", tags: ["ferry:run-id": "r-1"]))
        #expect(try Self.sent(transport) == [
            "DBInstanceIdentifier=ledger-dr-1", "DBInstanceClass=db.serverless", "Engine=aurora-postgresql",
            "DBClusterIdentifier=ledger-dr", "DBSubnetGroupName=dr-private", "DBParameterGroupName=ledger-instance-pg15",
            "PubliclyAccessible=false", "AvailabilityZone=us-west-2b", "Tags.Tag.1.Key=ferry:run-id", "Tags.Tag.1.Value=r-1",
        ])
    }

    @Test func clusterInstanceSendsNothingForNilSettings() throws {
        let transport = ScriptedTransport([ScriptedTransport.xml(200, Self.createdInstance)])
        _ = try Scripted.rds(transport).createDBInstance(CreateDBInstanceRequest(
            instanceIdentifier: "ledger-dr-1", instanceClass: "db.r6g.large", engine: "aurora-postgresql", clusterIdentifier: "ledger-dr"))
        #expect(try Self.sent(transport) == [
            "DBInstanceIdentifier=ledger-dr-1", "DBInstanceClass=db.r6g.large", "Engine=aurora-postgresql", "DBClusterIdentifier=ledger-dr",
        ])
    }
}
