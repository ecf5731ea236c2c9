import Foundation
import FerryPrimitives

/// ECS/EKS container credentials: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (on 169.254.170.2) or
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI`, with `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (preferred) or
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN` sent as the Authorization header.
struct ContainerCredentialSource: CredentialSource {
    let context: CredentialSourceContext
    let name = "container"

    var url: String? {
        if let relative = context.environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"]?.nonEmpty {
            return "http://169.254.170.2" + (relative.hasPrefix("/") ? relative : "/" + relative)
        }
        return context.environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"]?.nonEmpty
    }

    func load() throws -> AWSCredentials? {
        guard let url else { return nil }
        var headers: [(String, String)] = [("Accept", "application/json")]
        if let tokenFile = context.environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]?.nonEmpty {
            guard let token = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw AWSError.credentials("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(tokenFile)")
            }
            headers.append(("Authorization", token.trimmingCharacters(in: .whitespacesAndNewlines)))
        } else if let token = context.environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"]?.nonEmpty {
            headers.append(("Authorization", token))
        }
        let transport = CurlTransport(timeouts: HTTPTimeouts(connect: .seconds(2), total: .seconds(5)))
        let response: HTTPResponse
        do {
            response = try transport.send(HTTPRequest(method: "GET", url: url, headers: headers))
        } catch let error as AWSError {
            throw AWSError.credentials("container credentials endpoint \(url) failed: \(error.message)")
        }
        guard response.status == 200 else {
            throw AWSError.credentials("container credentials endpoint \(url) answered HTTP \(response.status)")
        }
        return try MetadataCredentialsDocument.decode(response.body, source: name, from: "container credentials endpoint")
    }
}

/// EC2 instance metadata service, version 2 (a session token first). `AWS_EC2_METADATA_DISABLED=true`
/// turns it off; `AWS_EC2_METADATA_SERVICE_ENDPOINT` moves it. Short timeouts: off EC2 nothing answers.
struct InstanceMetadataCredentialSource: CredentialSource {
    let context: CredentialSourceContext
    let name = "instance-metadata"

    var endpoint: String {
        let configured = context.environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"]?.nonEmpty ?? "http://169.254.169.254"
        return configured.hasSuffix("/") ? String(configured.dropLast()) : configured
    }

    func load() throws -> AWSCredentials? {
        guard context.environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() != "true" else { return nil }
        let transport = CurlTransport(timeouts: HTTPTimeouts(connect: .seconds(1), total: .seconds(3)))
        let tokenResponse: HTTPResponse
        do {
            tokenResponse = try transport.send(HTTPRequest(
                method: "PUT", url: endpoint + "/latest/api/token", headers: [("X-aws-ec2-metadata-token-ttl-seconds", "21600")]))
        } catch {
            return nil  // no metadata service here: not on EC2
        }
        guard tokenResponse.status == 200 else {
            throw AWSError.credentials("instance metadata service refused a session token (HTTP \(tokenResponse.status))")
        }
        let token = [("X-aws-ec2-metadata-token", String(decoding: tokenResponse.body, as: UTF8.self))]
        let base = endpoint + "/latest/meta-data/iam/security-credentials/"
        do {
            let roles = try transport.send(HTTPRequest(method: "GET", url: base, headers: token))
            guard roles.status == 200 else { return nil }  // 404: the instance has no role
            guard let role = String(decoding: roles.body, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init), !role.isEmpty else {
                return nil
            }
            let document = try transport.send(HTTPRequest(method: "GET", url: base + role, headers: token))
            guard document.status == 200 else {
                throw AWSError.credentials("instance metadata service answered HTTP \(document.status) for role \(role)")
            }
            return try MetadataCredentialsDocument.decode(document.body, source: name, from: "instance metadata service")
        } catch let error as AWSError where error.kind == .transport {
            throw AWSError.credentials("instance metadata service failed: \(error.message)")
        }
    }
}

/// The JSON both metadata endpoints answer: `AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration`.
enum MetadataCredentialsDocument {
    static func decode(_ body: [UInt8], source: String, from endpoint: String) throws -> AWSCredentials {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw AWSError.credentials("\(endpoint) answered something that is not a JSON object (\(body.count) bytes)")
        }
        if let code = object["Code"] as? String, code != "Success" {
            throw AWSError.credentials("\(endpoint) answered \(code): \(object["Message"] as? String ?? "")")
        }
        guard let keyID = object["AccessKeyId"] as? String, let secret = object["SecretAccessKey"] as? String else {
            throw AWSError.credentials("\(endpoint) answered without AccessKeyId and SecretAccessKey")
        }
        let expiration = (object["Expiration"] as? String).flatMap(ISO8601.parse)
        return AWSCredentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: (object["Token"] as? String)?.nonEmpty,
                              expiration: expiration, source: source)
    }
}
