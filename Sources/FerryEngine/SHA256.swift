import CCrypto

enum SHA256 {
    /// The lower-case hex SHA-256 of the text's UTF-8 bytes.
    static func hexDigest(of text: String) -> String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        var bytes = Array(text.utf8)
        CCrypto.SHA256(&bytes, bytes.count, &digest)
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}
