import Foundation
import Synchronization
import Testing
@testable import FerryAWS
import Logging
import FerryPrimitives

/// The default chain against temporary files, explicit environments and a loopback stand-in for the
/// metadata, container and STS endpoints. No test reaches the real instance metadata address.
@Suite struct CredentialChainTests {
    let home: URL

    init() throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-aws-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".aws"), withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(to: home.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// An environment with nothing configured but HOME, and the instance metadata service switched off.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        ["HOME": home.path, "AWS_EC2_METADATA_DISABLED": "true"].merging(extra) { $1 }
    }

    func chain(_ environment: [String: String], refreshMargin: TimeInterval = 300) -> DefaultCredentialChain {
        DefaultCredentialChain(environment: environment, refreshMargin: refreshMargin)
    }

    func stats(_ server: LoopbackToolProcess) throws -> [String: Int] {
        let response = try CurlTransport().send(HTTPRequest(method: "GET", url: server.url + "/stats"))
        return try JSONDecoder().decode([String: Int].self, from: Data(response.body))
    }

    @Test func environmentComesFirst() throws {
        try write(".aws/credentials", "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = file-secret\n")
        let credentials = try chain(environment(["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret",
                                                 "AWS_SESSION_TOKEN": "env-token"])).credentials()
        #expect(credentials.accessKeyID == "AKIDENV")
        #expect(credentials.sessionToken == "env-token")
        #expect(credentials.source == "environment")
    }

    @Test func halfConfiguredEnvironmentIsAnErrorNotASilentFallThrough() throws {
        let error = try #require(throws: AWSError.self) { try chain(environment(["AWS_ACCESS_KEY_ID": "AKIDENV"])).credentials() }
        #expect(error.kind == .credentials)
        #expect(error.message.contains("AWS_SECRET_ACCESS_KEY"))
    }

    @Test func sharedFilesWithSelectedProfile() throws {
        try write(".aws/credentials", """
            # comment
            [default]
            aws_access_key_id = AKIDDEFAULT
            aws_secret_access_key = default-secret
            [ prod ]
            aws_access_key_id=AKIDPROD
            aws_secret_access_key = prod-secret ; trailing comment
            """)
        try write(".aws/config", "[profile prod]\nregion = eu-west-1\ns3 =\n  max_concurrent_requests = 4\n")
        let prod = try chain(environment(["AWS_PROFILE": "prod"])).credentials()
        #expect(prod.accessKeyID == "AKIDPROD")
        #expect(prod.secretAccessKey == "prod-secret")
        #expect(prod.source == "shared-credentials-file")
        #expect(try chain(environment()).credentials().accessKeyID == "AKIDDEFAULT")
        #expect(AWSContext.defaultRegion(environment: environment(["AWS_PROFILE": "prod"])) == "eu-west-1")
    }

    @Test func filesFromEnvironmentVariables() throws {
        try write("creds", "[ci]\naws_access_key_id = AKIDCI\naws_secret_access_key = ci-secret\n")
        try write("config", "[profile ci]\nregion = ap-southeast-2\n")
        let env = environment(["AWS_SHARED_CREDENTIALS_FILE": home.appendingPathComponent("creds").path,
                               "AWS_CONFIG_FILE": home.appendingPathComponent("config").path, "AWS_PROFILE": "ci"])
        #expect(try chain(env).credentials().accessKeyID == "AKIDCI")
        #expect(AWSContext.defaultRegion(environment: env) == "ap-southeast-2")
    }

    /// Issue 12: `/dev/null` is how one switches the shared files off; it means "no file", not an error.
    @Test func devNullSharedFilesMeanNoFiles() throws {
        try write(".aws/credentials", "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = file-secret\n")
        let off = environment(["AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_CONFIG_FILE": "/dev/null"])
        #expect(try SharedConfigFiles.sections(atPath: "/dev/null").isEmpty)
        let error = try #require(throws: AWSError.self) { try chain(off).credentials() }
        #expect(error.code == .credentialsUnavailable)
        #expect(!error.message.contains("cannot read"))
        let keys = off.merging(["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret"]) { $1 }
        #expect(try chain(keys).credentials().accessKeyID == "AKIDENV")
        #expect(AWSContext.defaultRegion(environment: off.merging(["AWS_REGION": "eu-west-1"]) { $1 }) == "eu-west-1")
    }

    @Test func nothingConfiguredSaysWhatWasTried() throws {
        let error = try #require(throws: AWSError.self) { try chain(environment()).credentials() }
        #expect(error.code == .credentialsUnavailable)
        #expect(error.message.contains("environment") && error.message.contains("instance-metadata"))
    }

    @Test func profileRoleIsAssumedWithSourceProfileKeys() throws {
        let server = try LoopbackToolProcess("fake_metadata_server.py")
        try write(".aws/credentials", "[base]\naws_access_key_id = AKIDSOURCE\naws_secret_access_key = source-secret\n")
        try write(".aws/config", "[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/ferry\nsource_profile = base\nregion = us-west-2\n")
        let chain = chain(environment(["AWS_PROFILE": "deploy", "AWS_ENDPOINT_URL_STS": server.url]))
        let credentials = try chain.credentials()
        #expect(credentials.accessKeyID == "ASIAROLE")
        #expect(credentials.sessionToken == "token-ASIAROLE")
        #expect(credentials.source == "assume-role")
        _ = try chain.credentials()
        #expect(try stats(server)["assume-role"] == 1)  // cached: an hour left
    }

    @Test func webIdentityTokenFileAndRole() throws {
        let server = try LoopbackToolProcess("fake_metadata_server.py")
        try write("token", "web-identity-token\n")
        let credentials = try chain(environment([
            "AWS_WEB_IDENTITY_TOKEN_FILE": home.appendingPathComponent("token").path,
            "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/ferry-sa", "AWS_ENDPOINT_URL_STS": server.url,
        ])).credentials()
        #expect(credentials.accessKeyID == "ASIAWEB")
        #expect(credentials.source == "web-identity")
    }

    @Test func containerCredentialsWithAuthorizationTokenFile() throws {
        let server = try LoopbackToolProcess("fake_metadata_server.py")
        try write("auth", "container-auth-token")
        let env = environment(["AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/container/credentials",
                               "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": home.appendingPathComponent("auth").path])
        let credentials = try chain(env).credentials()
        #expect(credentials.accessKeyID == "ASIACONTAINER")
        #expect(credentials.source == "container")
        var wrongToken = env
        wrongToken["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = nil
        wrongToken["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "wrong"
        let error = try #require(throws: AWSError.self) { try chain(wrongToken).credentials() }
        #expect(error.message.contains("HTTP 401"))
        #expect(!error.message.contains("wrong"))
    }

    @Test func containerRelativeURIUsesTheECSAddress() {
        let context = CredentialSourceContext(environment: ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc"],
                                              endpoints: EndpointResolver(environment: [:]), logger: .init(label: "test"))
        #expect(ContainerCredentialSource(context: context).url == "http://169.254.170.2/v2/credentials/abc")
    }

    @Test func instanceMetadataV2RefreshesBeforeExpiry() throws {
        let server = try LoopbackToolProcess("fake_metadata_server.py", arguments: ["--expires-in", "120"])
        var env = environment(["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.url])
        env["AWS_EC2_METADATA_DISABLED"] = nil
        let chain = chain(env, refreshMargin: 300)  // 120 s left is inside the margin: every call refreshes
        let first = try chain.credentials()
        #expect(first.accessKeyID == "ASIAIMDS")
        #expect(first.source == "instance-metadata")
        #expect(first.expiration != nil)
        _ = try chain.credentials()
        #expect(try stats(server)["imds"] == 2)

        let relaxed = self.chain(env, refreshMargin: 60)
        _ = try relaxed.credentials()
        _ = try relaxed.credentials()
        #expect(try stats(server)["imds"] == 3)
    }

    /// A source whose refreshes (every load after the first) wait until the test lets them go.
    final class SlowRefreshSource: CredentialSource {
        let name = "slow"
        let loads = Mutex(0)
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)

        func load() throws -> AWSCredentials? {
            let count = loads.withLock { $0 += 1; return $0 }
            if count > 1 {
                entered.signal()
                release.wait()
            }
            return AWSCredentials(accessKeyID: "ASIA\(count)", secretAccessKey: "s", sessionToken: "t",
                                  expiration: Date().addingTimeInterval(100), source: name)
        }
    }

    @Test func otherThreadsKeepTheValidCredentialsWhileOneRefreshes() throws {
        let source = SlowRefreshSource()
        let chain = DefaultCredentialChain(sources: [source], logger: .init(label: "test"), refreshMargin: 300, now: { Date() })
        #expect(try chain.credentials().accessKeyID == "ASIA1")  // 100 s left: inside the margin from now on
        let refreshed = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            _ = try? chain.credentials()
            refreshed.signal()
        }
        source.entered.wait()
        #expect(try chain.credentials().accessKeyID == "ASIA1")  // not blocked behind the refresh
        source.release.signal()
        refreshed.wait()
        #expect(source.loads.withLock { $0 } == 2)
    }

    @Test func chainIsSafeToShareAcrossThreads() throws {
        let chain = chain(environment(["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "s"]))
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            #expect((try? chain.credentials().accessKeyID) == "AKIDENV")
        }
    }

    @Test(arguments: ["2026-11-25T13:20:46Z", "2026-11-25T13:20:46.000Z", "2026-11-25T13:20:46.000000+00:00", "2026-11-25T14:20:46+01:00", "2026-11-25 13:20:46+00", "2026-11-25T12:20:46-0100"])
    func timestampsInEveryShapeAWSWrites(text: String) {
        #expect(ISO8601.parse(text) == Date(timeIntervalSince1970: 1_795_612_846))
    }

    /// Formatting is parsing's inverse, to the digits asked for, across eras and leap days.
    @Test(arguments: [0.0, 1_795_612_846.478, 951_782_400, -86_400.25, 4_107_542_399.999])
    func formatsWhatItParses(seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(ISO8601.parse(ISO8601.format(date)) == Date(timeIntervalSince1970: seconds.rounded(.down)))
        #expect(abs(ISO8601.parse(ISO8601.format(date, fractionDigits: 3))!.timeIntervalSince1970 - seconds) <= 0.0005)
        #expect(ISO8601.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00Z")
        #expect(ISO8601.format(Date(timeIntervalSince1970: 1_795_612_846.5556), fractionDigits: 3) == "2026-11-25T13:20:46.556Z")
        #expect(ISO8601.format(Date(timeIntervalSince1970: 1_795_612_846.9996), fractionDigits: 3) == "2026-11-25T13:20:47.000Z")
    }

    @Test(arguments: ["", "2026-11-25", "2026-13-25T13:20:46Z", "2026-02-30T13:20:46Z", "2026-11-25T13:20:46Q", "2026-11-25T13:20:46.Z", "yesterday"])
    func notTimestamps(text: String) {
        #expect(ISO8601.parse(text) == nil)
    }
}
