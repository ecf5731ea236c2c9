/// A KMS key as DescribeKey reports it.
public struct KMSKey: Sendable, Equatable {
    public var keyID: String
    public var arn: String
    public var enabled: Bool
    /// `Enabled`, `Disabled`, `PendingDeletion`, …
    public var keyState: String
    /// `AWS` or `CUSTOMER`.
    public var keyManager: String?
    public var description: String?
}

/// AWS KMS in one region (JSON 1.1, `X-Amz-Target: TrentService.*`). Not thread-safe: one thread at a time.
public final class KMSClient {
    let json: JSONProtocol

    init(_ connection: ServiceConnection) {
        json = JSONProtocol(connection: connection, targetPrefix: "TrentService")
    }

    /// `keyID` may be a key id, key ARN, alias name (`alias/ferry`) or alias ARN.
    public func describeKey(_ keyID: String) throws -> KMSKey {
        try json.call("DescribeKey", ["KeyId": keyID], decode: Self.key(in:))
    }

    /// CreateKey (symmetric encryption key), for tests and the demo.
    public func createKey(description: String, tags: [String: String] = [:]) throws -> KMSKey {
        var input: [String: Any] = ["Description": description]
        if !tags.isEmpty { input["Tags"] = tags.keys.sorted().map { ["TagKey": $0, "TagValue": tags[$0]!] } }
        return try json.call("CreateKey", input, decode: Self.key(in:))
    }

    static func key(in output: [String: Any]) throws -> KMSKey {
        guard let metadata = output["KeyMetadata"] as? [String: Any],
              let keyID = metadata["KeyId"] as? String, let arn = metadata["Arn"] as? String else {
            throw AWSError.malformed("response has no KeyMetadata with KeyId and Arn")
        }
        return KMSKey(keyID: keyID, arn: arn, enabled: metadata["Enabled"] as? Bool ?? false,
                      keyState: metadata["KeyState"] as? String ?? "", keyManager: metadata["KeyManager"] as? String,
                      description: metadata["Description"] as? String)
    }
}

@available(*, unavailable, message: "a client owns a curl handle: use one per thread")
extension KMSClient: Sendable {}
