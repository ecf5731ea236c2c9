import Foundation
import Logging
import FerryPrimitives

/// One provider of the default chain: nil from `load()` means "not configured here, try the next one";
/// a throw means "configured here but failing" and stops the chain, as in the SDKs.
protocol CredentialSource: Sendable {
    var name: String { get }
    func load() throws -> AWSCredentials?
}

/// What the STS-based and HTTP-based sources need to make their calls.
struct CredentialSourceContext: Sendable {
    let environment: [String: String]
    let endpoints: EndpointResolver
    let logger: Logger
    var retry = RetryPolicy(maxAttempts: 3)
    var timeouts = HTTPTimeouts(connect: .seconds(5), total: .seconds(30))

    var region: String {
        AWSContext.defaultRegion(environment: environment) ?? "us-east-1"
    }

    func sts(region: String, credentials: AWSCredentials?) throws -> STSClient {
        STSClient(try ServiceConnection(
            service: "sts", region: region, endpoint: try endpoints.endpoint(service: "sts", region: region),
            credentials: credentials.map(StaticCredentialProvider.init), transport: CurlTransport(timeouts: timeouts),
            retry: retry, logger: logger))
    }

    var sessionName: String { environment["AWS_ROLE_SESSION_NAME"]?.nonEmpty ?? "ferry-\(Int(Date().timeIntervalSince1970))" }
}

/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, optional `AWS_SESSION_TOKEN`.
struct EnvironmentCredentialSource: CredentialSource {
    let environment: [String: String]
    let name = "environment"

    func load() throws -> AWSCredentials? {
        let keyID = (environment["AWS_ACCESS_KEY_ID"] ?? environment["AWS_ACCESS_KEY"])?.nonEmpty
        let secret = (environment["AWS_SECRET_ACCESS_KEY"] ?? environment["AWS_SECRET_KEY"])?.nonEmpty
        switch (keyID, secret) {
        case (nil, nil): return nil
        case let (keyID?, secret?):
            return AWSCredentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"]?.nonEmpty,
                                  expiration: environment["AWS_CREDENTIAL_EXPIRATION"].flatMap(ISO8601.parse), source: name)
        case (nil, _): throw AWSError.credentials("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not")
        case (_, nil): throw AWSError.credentials("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
        }
    }
}

/// Static keys of the selected profile in the shared files.
struct ProfileKeysCredentialSource: CredentialSource {
    let files: SharedConfigFiles
    let name = "shared-credentials-file"

    func load() throws -> AWSCredentials? {
        try Self.keys(of: files.selectedProfile, in: files, source: name)
    }

    static func keys(of profileName: String, in files: SharedConfigFiles, source: String) throws -> AWSCredentials? {
        let profile = try files.profile(profileName)
        guard let keyID = profile["aws_access_key_id"]?.nonEmpty else { return nil }
        guard let secret = profile["aws_secret_access_key"]?.nonEmpty else {
            throw AWSError.credentials("profile \(profileName) has aws_access_key_id but no aws_secret_access_key")
        }
        return AWSCredentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: profile["aws_session_token"]?.nonEmpty, source: source)
    }
}

/// A profile with `role_arn` and `source_profile` (itself keys, or another role: chains up to 5 deep),
/// or `role_arn` and `web_identity_token_file`: STS AssumeRole / AssumeRoleWithWebIdentity.
struct ProfileRoleCredentialSource: CredentialSource {
    let files: SharedConfigFiles
    let context: CredentialSourceContext
    let name = "assume-role"

    func load() throws -> AWSCredentials? {
        try assume(files.selectedProfile, depth: 0)
    }

    private func assume(_ profileName: String, depth: Int) throws -> AWSCredentials? {
        let profile = try files.profile(profileName)
        guard let roleARN = profile["role_arn"]?.nonEmpty else { return nil }
        guard depth < 5 else { throw AWSError.credentials("profile \(profileName): source_profile chain is too deep or circular") }
        let region = profile["region"]?.nonEmpty ?? context.region
        let sessionName = profile["role_session_name"]?.nonEmpty ?? context.sessionName
        if let tokenFile = profile["web_identity_token_file"]?.nonEmpty {
            return try WebIdentityCredentialSource.assume(roleARN: roleARN, tokenFile: tokenFile, sessionName: sessionName,
                                                          region: region, context: context)
        }
        guard let sourceName = profile["source_profile"]?.nonEmpty else {
            throw AWSError.credentials("profile \(profileName) has role_arn but neither source_profile nor web_identity_token_file")
        }
        let sourceCredentials: AWSCredentials?
        if sourceName != profileName, try files.profile(sourceName)["role_arn"] != nil {
            sourceCredentials = try assume(sourceName, depth: depth + 1)
        } else {
            sourceCredentials = try ProfileKeysCredentialSource.keys(of: sourceName, in: files, source: "shared-credentials-file")
        }
        guard let sourceCredentials else { throw AWSError.credentials("source_profile \(sourceName) of profile \(profileName) has no credentials") }
        let duration = profile["duration_seconds"].flatMap { Int($0) }
        do {
            return try context.sts(region: region, credentials: sourceCredentials)
                .assumeRole(roleARN: roleARN, sessionName: sessionName, externalID: profile["external_id"]?.nonEmpty, duration: duration)
        } catch let error as AWSError {
            throw AWSError.credentials("AssumeRole \(roleARN) for profile \(profileName) failed: \(error)")
        }
    }
}

/// `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN` (Kubernetes service accounts, EKS IRSA). The token file
/// is read again at every refresh: the kubelet rotates it.
struct WebIdentityCredentialSource: CredentialSource {
    let context: CredentialSourceContext
    let name = "web-identity"

    func load() throws -> AWSCredentials? {
        guard let tokenFile = context.environment["AWS_WEB_IDENTITY_TOKEN_FILE"]?.nonEmpty else { return nil }
        guard let roleARN = context.environment["AWS_ROLE_ARN"]?.nonEmpty else {
            throw AWSError.credentials("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not")
        }
        return try Self.assume(roleARN: roleARN, tokenFile: tokenFile, sessionName: context.sessionName, region: context.region, context: context)
    }

    static func assume(roleARN: String, tokenFile: String, sessionName: String, region: String,
                       context: CredentialSourceContext) throws -> AWSCredentials {
        guard let token = try? String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty else {
            throw AWSError.credentials("cannot read the web identity token file \(tokenFile)")
        }
        do {
            return try context.sts(region: region, credentials: nil)
                .assumeRoleWithWebIdentity(roleARN: roleARN, sessionName: sessionName, webIdentityToken: token)
        } catch let error as AWSError {
            throw AWSError.credentials("AssumeRoleWithWebIdentity \(roleARN) failed: \(error)")
        }
    }
}
