public import Foundation
import FerryPrimitives

/// A request as SigV4 sees it. `path` is as it goes on the wire (already percent-encoded); query values
/// are raw (the signer encodes them).
public struct SignableRequest: Sendable {
    public var method: String
    /// `host` or `host:port` (port only when it is not the scheme's default), as the Host header carries it.
    public var host: String
    public var path: String
    public var query: [(String, String)]
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(method: String, host: String, path: String = "/", query: [(String, String)] = [],
                headers: [(String, String)] = [], body: [UInt8] = []) {
        self.method = method
        self.host = host
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The query string as it goes on the wire: every pair encoded, in canonical order.
    public var encodedQuery: String { SigV4Signer.canonicalQuery(query) }
}

/// AWS Signature Version 4, header signing and query-string presigning, computed the way botocore does.
public struct SigV4Signer: Sendable {
    public let service: String
    public let region: String

    static let algorithm = "AWS4-HMAC-SHA256"
    /// Headers botocore leaves out of the signature (proxies and clients may change them).
    static let unsignedHeaders: Set<String> = [
        "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id", "authorization",
    ]

    public init(service: String, region: String) {
        self.service = service
        self.region = region
    }

    /// The headers to add to `request` (X-Amz-Date, X-Amz-Security-Token when temporary, Authorization).
    public func authorizationHeaders(for request: SignableRequest, credentials: AWSCredentials, date: Date) -> [(String, String)] {
        let timestamp = AmzDate(date)
        var added: [(String, String)] = [("X-Amz-Date", timestamp.full)]
        if let token = credentials.sessionToken { added.append(("X-Amz-Security-Token", token)) }
        var signed = request
        signed.headers = request.headers.filter { name, _ in
            let lower = name.lowercased()
            return lower != "x-amz-date" && lower != "x-amz-security-token" && lower != "authorization"
        } + added
        let (canonical, signedHeaderNames) = canonicalRequest(signed, payloadHash: SHA256.hexDigest(request.body))
        let signature = sign(canonical, timestamp: timestamp, secret: credentials.secretAccessKey)
        let authorization = "\(Self.algorithm) Credential=\(credentials.accessKeyID)/\(scope(timestamp)), "
            + "SignedHeaders=\(signedHeaderNames), Signature=\(signature)"
        return added + [("Authorization", authorization)]
    }

    /// A presigned URL (`scheme://host/path?query&X-Amz-...&X-Amz-Signature=...`): the request's query
    /// plus the authentication parameters, signed over the headers of `request` and an empty payload.
    public func presignedURL(for request: SignableRequest, scheme: String, credentials: AWSCredentials, date: Date,
                             expires: Int = 3600) -> String {
        let timestamp = AmzDate(date)
        let headerNames = signedHeaderNames(canonicalHeaders(request).map(\.name))
        var presigned = request
        presigned.query += [
            ("X-Amz-Algorithm", Self.algorithm),
            ("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope(timestamp))"),
            ("X-Amz-Date", timestamp.full),
            ("X-Amz-Expires", String(expires)),
            ("X-Amz-SignedHeaders", headerNames),
        ]
        if let token = credentials.sessionToken { presigned.query.append(("X-Amz-Security-Token", token)) }
        let (canonical, _) = canonicalRequest(presigned, payloadHash: SHA256.hexDigest([UInt8]()))
        let signature = sign(canonical, timestamp: timestamp, secret: credentials.secretAccessKey)
        return "\(scheme)://\(request.host)\(request.path)?\(presigned.encodedQuery)&X-Amz-Signature=\(signature)"
    }

    // MARK: - Canonical form

    func canonicalRequest(_ request: SignableRequest, payloadHash: String) -> (text: String, signedHeaders: String) {
        let headers = canonicalHeaders(request)
        let names = signedHeaderNames(headers.map(\.name))
        let lines = [
            request.method.uppercased(),
            Self.canonicalPath(request.path),
            Self.canonicalQuery(request.query),
            headers.map { "\($0.name):\($0.value)" }.joined(separator: "\n") + "\n",
            names,
            payloadHash,
        ]
        return (lines.joined(separator: "\n"), names)
    }

    /// Lower-cased names, sorted, values with runs of whitespace collapsed, repeated headers joined by `,`.
    func canonicalHeaders(_ request: SignableRequest) -> [(name: String, value: String)] {
        var values: [String: [String]] = [:]
        for (name, value) in request.headers {
            let lower = name.lowercased()
            guard !Self.unsignedHeaders.contains(lower) else { continue }
            values[lower, default: []].append(value.split(whereSeparator: \.isWhitespace).joined(separator: " "))
        }
        if values["host"] == nil { values["host"] = [request.host] }
        return values.keys.sorted(by: Self.byteOrder).map { ($0, values[$0]!.joined(separator: ",")) }
    }

    func signedHeaderNames(_ names: [String]) -> String { names.sorted(by: Self.byteOrder).joined(separator: ";") }

    /// The path with dot segments and empty segments removed, then percent-encoded again (so `%2F` on the
    /// wire is signed as `%252F`), as botocore does for every service but S3.
    static func canonicalPath(_ path: String) -> String {
        guard !path.isEmpty else { return "/" }
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." { _ = segments.popLast(); continue }
            segments.append(segment)
        }
        var normalized = (path.hasPrefix("/") ? "/" : "") + segments.joined(separator: "/")
        if path.hasSuffix("/") && !segments.isEmpty { normalized += "/" }
        return PercentEncoding.encode(normalized, keepingSlash: true)
    }

    static func canonicalQuery(_ query: [(String, String)]) -> String {
        query.map { (PercentEncoding.encode($0.0), PercentEncoding.encode($0.1)) }
            .sorted { $0.0 == $1.0 ? byteOrder($0.1, $1.1) : byteOrder($0.0, $1.0) }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    static func byteOrder(_ lhs: String, _ rhs: String) -> Bool { lhs.utf8.lexicographicallyPrecedes(rhs.utf8) }

    // MARK: - Signature

    func scope(_ timestamp: AmzDate) -> String { "\(timestamp.day)/\(region)/\(service)/aws4_request" }

    func sign(_ canonicalRequest: String, timestamp: AmzDate, secret: String) -> String {
        let stringToSign = [
            Self.algorithm, timestamp.full, scope(timestamp), SHA256.hexDigest(Array(canonicalRequest.utf8)),
        ].joined(separator: "\n")
        var key = SHA256.hmac(key: Array("AWS4\(secret)".utf8), message: Array(timestamp.day.utf8))
        for part in [region, service, "aws4_request"] {
            key = SHA256.hmac(key: key, message: Array(part.utf8))
        }
        return SHA256.hex(SHA256.hmac(key: key, message: Array(stringToSign.utf8)))
    }
}

/// The SigV4 timestamp (`20261125T101500Z`) and its day (`20261125`), in UTC.
struct AmzDate {
    let full: String
    let day: String

    init(_ date: Date) {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        day = pad(parts.tm_year + 1900, 4) + pad(parts.tm_mon + 1, 2) + pad(parts.tm_mday, 2)
        full = day + "T" + pad(parts.tm_hour, 2) + pad(parts.tm_min, 2) + pad(parts.tm_sec, 2) + "Z"
    }
}

/// RFC 3986 percent-encoding as AWS uses it: only `A-Z a-z 0-9 - _ . ~` stay as they are.
enum PercentEncoding {
    static func encode(_ value: String, keepingSlash: Bool = false) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: "/") where keepingSlash:
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `application/x-www-form-urlencoded` body for the Query API, pairs in the given order, byte for byte
    /// as botocore writes it (Python's `urlencode`: a space is `+`). moto with IAM enforced re-encodes the
    /// parsed form that way before it checks the signature, so any other spelling fails there.
    static func formBody(_ pairs: [(String, String)]) -> [UInt8] {
        func form(_ text: String) -> String { encode(text).replacingOccurrences(of: "%20", with: "+") }
        return Array(pairs.map { "\(form($0.0))=\(form($0.1))" }.joined(separator: "&").utf8)
    }
}
