import Foundation
import Testing
@testable import FerryAWS

/// Decoding, errors, pagination and request encoding of the Query protocol, against scripted responses.
@Suite struct QueryProtocolTests {
    static let snapshotXML = """
        <DBSnapshot>
          <DBSnapshotIdentifier>ferry-db1-202611251200</DBSnapshotIdentifier>
          <DBSnapshotArn>arn:aws:rds:us-west-2:123456789012:snapshot:ferry-db1-202611251200</DBSnapshotArn>
          <DBInstanceIdentifier>db1</DBInstanceIdentifier>
          <Status>copying</Status><PercentProgress>42</PercentProgress>
          <SnapshotCreateTime>2026-11-25T12:00:01.123Z</SnapshotCreateTime>
          <SnapshotType>manual</SnapshotType><Engine>postgres</Engine><EngineVersion>16.3</EngineVersion>
          <Encrypted>true</Encrypted><KmsKeyId>arn:aws:kms:us-west-2:123456789012:key/abc</KmsKeyId>
          <SourceRegion>eu-west-1</SourceRegion><SourceDBSnapshotIdentifier>arn:aws:rds:eu-west-1:123456789012:snapshot:s</SourceDBSnapshotIdentifier>
          <OptionGroupName>custom-og</OptionGroupName><Port>5432</Port><AvailabilityZone>us-west-2a</AvailabilityZone>
          <AllocatedStorage>20</AllocatedStorage>
          <TagList><Tag><Key>ferry:run-id</Key><Value>r-1</Value></Tag><Tag><Key>empty</Key><Value></Value></Tag></TagList>
        </DBSnapshot>
        """

    static func page(_ snapshots: [String], marker: String?) -> String {
        """
        <DescribeDBSnapshotsResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
          <DescribeDBSnapshotsResult>
            \(marker.map { "<Marker>\($0)</Marker>" } ?? "")
            <DBSnapshots>\(snapshots.joined())</DBSnapshots>
          </DescribeDBSnapshotsResult>
          <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>
        </DescribeDBSnapshotsResponse>
        """
    }

    @Test func decodesEveryFieldADRToolNeeds() throws {
        let transport = ScriptedTransport([ScriptedTransport.xml(200, Self.page([Self.snapshotXML], marker: nil))])
        let snapshot = try #require(try Scripted.rds(transport).describeDBSnapshots().first)
        #expect(snapshot.identifier == "ferry-db1-202611251200")
        #expect(snapshot.arn == "arn:aws:rds:us-west-2:123456789012:snapshot:ferry-db1-202611251200")
        #expect(snapshot.status == "copying")
        #expect(snapshot.percentProgress == 42)
        #expect(abs((snapshot.createTime?.timeIntervalSince1970 ?? 0) - 1_795_608_001.123) < 0.001)
        #expect(snapshot.encrypted)
        #expect(snapshot.kmsKeyID == "arn:aws:kms:us-west-2:123456789012:key/abc")
        #expect(snapshot.sourceRegion == "eu-west-1")
        #expect(snapshot.optionGroupName == "custom-og")
        #expect(snapshot.port == 5432)
        #expect(snapshot.tags == ["ferry:run-id": "r-1", "empty": ""])
    }

    @Test func followsMarkerToTheLastPage() throws {
        let second = Self.snapshotXML.replacingOccurrences(of: "ferry-db1-202611251200", with: "second")
        let transport = ScriptedTransport([
            ScriptedTransport.xml(200, Self.page([Self.snapshotXML], marker: "page 2/=")),
            ScriptedTransport.xml(200, Self.page([second], marker: nil)),
        ])
        let snapshots = try Scripted.rds(transport).describeDBSnapshots(DBSnapshotQuery(instanceIdentifier: "db1", pageSize: 20))
        #expect(snapshots.map(\.identifier) == ["ferry-db1-202611251200", "second"])
        #expect(!transport.bodies[0].contains("Marker="))
        #expect(transport.bodies[1].contains("Marker=page+2%2F%3D"))
        #expect(transport.bodies[1].contains("DBInstanceIdentifier=db1") && transport.bodies[1].contains("MaxRecords=20"))
    }

    @Test func repeatedMarkerStopsInsteadOfLoopingForever() throws {
        let transport = ScriptedTransport([
            ScriptedTransport.xml(200, Self.page([], marker: "same")), ScriptedTransport.xml(200, Self.page([], marker: "same")),
        ])
        let error = try #require(throws: AWSError.self) { try Scripted.rds(transport).describeDBSnapshots() }
        #expect(error.kind == .malformedResponse)
        #expect(error.message.contains("same Marker twice"))
    }

    @Test(arguments: [
        ("<DescribeDBSnapshotsResponse><DescribeDBSnapshotsResult><DBSnapshots><DBSnapshot>", "not well-formed"),
        ("", "not well-formed"),
        ("{\"json\": true}", "not well-formed"),
        ("<SomethingElse/>", "expected <DescribeDBSnapshotsResponse>"),
        (page(["<DBSnapshot><Status>available</Status></DBSnapshot>"], marker: nil), "<DBSnapshot> has no <DBSnapshotIdentifier>"),
        (page(["<DBSnapshot><DBSnapshotIdentifier>s</DBSnapshotIdentifier><Status>available</Status><Port>fifty</Port></DBSnapshot>"], marker: nil), "not an integer"),
        (page(["<DBSnapshot><DBSnapshotIdentifier>s</DBSnapshotIdentifier><Status>ok</Status><Encrypted>maybe</Encrypted></DBSnapshot>"], marker: nil), "not a boolean"),
        (page(["<DBSnapshot><DBSnapshotIdentifier>s</DBSnapshotIdentifier><Status>ok</Status><SnapshotCreateTime>yesterday</SnapshotCreateTime></DBSnapshot>"], marker: nil), "not a timestamp"),
        (page(["<DBSnapshot><DBSnapshotIdentifier>s</DBSnapshotIdentifier><Status>ok</Status><TagList><Tag><Value>v</Value></Tag></TagList></DBSnapshot>"], marker: nil), "<Tag> has no <Key>"),
    ])
    func malformedResponsesAreErrorsThatSayWhatWasWrong(body: String, expected: String) throws {
        let transport = ScriptedTransport([ScriptedTransport.xml(200, body)])
        let error = try #require(throws: AWSError.self) { try Scripted.rds(transport).describeDBSnapshots() }
        #expect(error.kind == .malformedResponse)
        #expect(error.message.contains(expected), "\(error.message)")
        #expect(error.classification == .terminal)
        #expect(error.operation == "rds:DescribeDBSnapshots")
    }

    @Test func serviceErrorCarriesCodeMessageRequestIDAndStatus() throws {
        let transport = ScriptedTransport([ScriptedTransport.error(400, code: "InvalidDBInstanceState", message: "Instance db1 is not available")])
        let error = try #require(throws: AWSError.self) {
            try Scripted.rds(transport).createDBSnapshot(identifier: "s", instanceIdentifier: "db1")
        }
        #expect(error.code == .invalidDBInstanceState)
        #expect(error.message == "Instance db1 is not available")
        #expect(error.requestID == "req-1")
        #expect(error.httpStatus == 400)
        #expect(error.classification == .terminal)
        #expect("\(error)" == "AWS error in rds:CreateDBSnapshot: InvalidDBInstanceState: Instance db1 is not available (HTTP 400, request id req-1)")
        #expect(transport.requests.count == 1)
    }

    @Test func htmlErrorPageIsAnErrorNamingStatusAndBody() throws {
        let html = Result<HTTPResponse, AWSError>.success(HTTPResponse(status: 500, headers: [("Content-Type", "text/html")],
                                                                       body: Array("<!doctype html><title>500 Internal Server Error</title>".utf8)))
        let transport = ScriptedTransport([html, html, html])
        let error = try #require(throws: AWSError.self) { try Scripted.rds(transport).deleteDBSnapshot(identifier: "s") }
        #expect(error.httpStatus == 500)
        #expect(error.message.contains("HTTP 500 without an AWS error document (text/html"))
        #expect(error.classification == .retryable)
    }

    @Test func requestUsesBotocoreMemberNamesAndFormEncoding() throws {
        let instance = "<CreateDBInstanceResponse><CreateDBInstanceResult><DBInstance><DBInstanceIdentifier>d</DBInstanceIdentifier><DBInstanceStatus>creating</DBInstanceStatus></DBInstance></CreateDBInstanceResult></CreateDBInstanceResponse>"
        let transport = ScriptedTransport([ScriptedTransport.xml(200, instance)])
        _ = try Scripted.rds(transport).createDBInstance(CreateDBInstanceRequest(
            instanceIdentifier: "d", instanceClass: "db.t3.micro", engine: "postgres", vpcSecurityGroupIDs: ["sg-1", "sg-2"],
            multiAZ: false, tags: ["b": "two words", "a": "1"]))
        let body = transport.bodies[0]
        for expected in ["Action=CreateDBInstance", "Version=2014-10-31", "VpcSecurityGroupIds.VpcSecurityGroupId.1=sg-1",
                         "VpcSecurityGroupIds.VpcSecurityGroupId.2=sg-2", "Tags.Tag.1.Key=a", "Tags.Tag.2.Value=two+words", "MultiAZ=false"] {
            #expect(body.contains(expected), "\(expected) in \(body)")
        }
        let headers = transport.requests[0].headers
        #expect(headers.contains { $0.0 == "Content-Type" && $0.1.hasPrefix("application/x-www-form-urlencoded") })
        #expect(headers.contains { $0.0 == "User-Agent" && !$0.1.contains("region/") })
        #expect(transport.requests[0].url == "https://rds.us-west-2.amazonaws.com/")
    }

    @Test func filtersUseFilterAndValueMembers() {
        var parameters = QueryParameters()
        parameters.filters([RDSFilter(name: "db-instance-id", values: ["a", "b"]), RDSFilter(name: "snapshot-type", values: ["manual"])])
        #expect(parameters.pairs.map { "\($0.0)=\($0.1)" } == [
            "Filters.Filter.1.Name=db-instance-id", "Filters.Filter.1.Values.Value.1=a", "Filters.Filter.1.Values.Value.2=b",
            "Filters.Filter.2.Name=snapshot-type", "Filters.Filter.2.Values.Value.1=manual",
        ])
    }

    @Test func crossRegionCopyCarriesAPresignedURLForTheSourceRegion() throws {
        let copied = "<CopyDBSnapshotResponse><CopyDBSnapshotResult><DBSnapshot><DBSnapshotIdentifier>t</DBSnapshotIdentifier><Status>pending</Status></DBSnapshot></CopyDBSnapshotResult></CopyDBSnapshotResponse>"
        let transport = ScriptedTransport([ScriptedTransport.xml(200, copied)])
        let request = try CopyDBSnapshotRequest.crossRegion(
            sourceARN: "arn:aws:rds:eu-west-1:123456789012:snapshot:s", targetIdentifier: "t", kmsKeyID: "alias/dr", copyTags: true)
        _ = try Scripted.rds(transport).copyDBSnapshot(request)
        let body = transport.bodies[0]
        #expect(!body.contains("SourceRegion="))
        let presigned = try #require(body.split(separator: "&").first { $0.hasPrefix("PreSignedUrl=") })
        let url = try #require(String(presigned.dropFirst("PreSignedUrl=".count)).removingPercentEncoding)
        #expect(url.hasPrefix("https://rds.eu-west-1.amazonaws.com/?"))
        for expected in ["Action=CopyDBSnapshot", "DestinationRegion=us-west-2", "KmsKeyId=alias%2Fdr", "CopyTags=true",
                         "X-Amz-Credential=AKIDTEST%2F20261118%2Feu-west-1%2Frds%2Faws4_request", "X-Amz-Signature=",
                         "X-Amz-Security-Token=SESSION-TOKEN-VALUE"] {
            #expect(url.contains(expected), "\(expected) in \(url)")
        }
    }

    @Test func sameRegionCopyHasNoPresignedURL() throws {
        let copied = "<CopyDBSnapshotResponse><CopyDBSnapshotResult><DBSnapshot><DBSnapshotIdentifier>t</DBSnapshotIdentifier><Status>pending</Status></DBSnapshot></CopyDBSnapshotResult></CopyDBSnapshotResponse>"
        let transport = ScriptedTransport([ScriptedTransport.xml(200, copied)])
        _ = try Scripted.rds(transport).copyDBSnapshot(CopyDBSnapshotRequest(source: "s", targetIdentifier: "t"))
        #expect(!transport.bodies[0].contains("PreSignedUrl"))
    }
}
