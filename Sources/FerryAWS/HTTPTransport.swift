import CCurl
import Foundation
import FerryPrimitives

/// One HTTP exchange, as the clients build it.
struct HTTPRequest: Sendable {
    var method: String
    var url: String
    var headers: [(String, String)]
    var body: [UInt8]

    init(method: String, url: String, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

struct HTTPResponse: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    init(status: Int, headers: [(String, String)] = [], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
}

public struct HTTPTimeouts: Sendable {
    public var connect: Duration
    public var total: Duration

    public init(connect: Duration = .seconds(10), total: Duration = .seconds(60)) {
        self.connect = connect
        self.total = total
    }
}

/// Sends one request and returns the response, whatever its status; throws `AWSError` of kind
/// `.transport` when no response arrived. Implementations are used by one thread at a time.
protocol HTTPTransport: AnyObject {
    func send(_ request: HTTPRequest) throws -> HTTPResponse
}

/// HTTP(S) on one libcurl easy handle, reused across requests for keep-alive.
///
/// Not thread-safe: a `CurlTransport` (and so a client that owns one) belongs to one thread at a time.
/// TLS peer and host verification stay on; proxies come from the standard environment variables
/// (`https_proxy`, `http_proxy`, `no_proxy`), which libcurl reads itself.
final class CurlTransport: HTTPTransport {
    private let handle: UnsafeMutableRawPointer
    private let timeouts: HTTPTimeouts
    /// 0 when the last request went over a kept-alive connection.
    private(set) var connectionsOpenedByLastRequest = 0
    /// The largest response body received; a longer one is cut off and refused as malformed (no AWS answer
    /// Ferry reads comes near it; an endless or hostile one must not fill memory).
    static let maximumResponseBytes = 8 << 20

    /// `curl_global_init` exactly once, before the first handle exists (a static let runs once, thread-safely).
    private static let globalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

    init(timeouts: HTTPTimeouts = HTTPTimeouts()) {
        precondition(Self.globalInit == CURLE_OK, "curl_global_init failed")
        guard let handle = curl_easy_init() else { preconditionFailure("curl_easy_init failed (out of memory)") }
        self.handle = handle
        self.timeouts = timeouts
    }

    deinit { curl_easy_cleanup(handle) }

    func send(_ request: HTTPRequest) throws -> HTTPResponse {
        // Reset clears the options of the previous request but keeps the connection cache.
        curl_easy_reset(handle)
        let exchange = Exchange()
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var headerList: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(headerList) }
        for (name, value) in request.headers {
            guard !name.contains(where: \.isNewline), !value.contains(where: \.isNewline) else {
                throw AWSError.configuration("header \(name) has a line break in its name or value")
            }
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }
        // No `Expect: 100-continue` round trip; no default Accept header.
        headerList = curl_slist_append(headerList, "Expect:")

        let code: CURLcode = request.body.withUnsafeBufferPointer { body in
            errorBuffer.withUnsafeMutableBufferPointer { errorPointer in
                let context = Unmanaged.passUnretained(exchange).toOpaque()
                _ = ferry_curl_setopt_string(handle, CURLOPT_URL, request.url)
                _ = ferry_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
                _ = ferry_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
                _ = ferry_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
                _ = ferry_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(timeouts.connect))
                _ = ferry_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Self.milliseconds(timeouts.total))
                _ = ferry_curl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
                _ = ferry_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorPointer.baseAddress)
                _ = ferry_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)
                _ = ferry_curl_setopt_write_function(handle, Self.receiveBody)
                _ = ferry_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
                _ = ferry_curl_setopt_header_function(handle, Self.receiveHeader)
                _ = ferry_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
                switch request.method {
                case "GET": _ = ferry_curl_setopt_long(handle, CURLOPT_HTTPGET, 1)
                case "HEAD": _ = ferry_curl_setopt_long(handle, CURLOPT_NOBODY, 1)
                default:
                    _ = ferry_curl_setopt_long(handle, CURLOPT_POST, 1)
                    _ = ferry_curl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, body.count)
                    _ = ferry_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: body.baseAddress ?? UnsafePointer(bitPattern: 1)!))
                    if request.method != "POST" { _ = ferry_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method) }
                }
                return curl_easy_perform(handle)
            }
        }
        if exchange.bodyTooLarge {
            throw AWSError.malformed("response body is larger than \(Self.maximumResponseBytes >> 20) MiB; stopped reading it")
        }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw Self.transportError(code, detail: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail)
        }
        var status = 0, newConnections = 0
        _ = ferry_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        _ = ferry_curl_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &newConnections)
        connectionsOpenedByLastRequest = newConnections
        return HTTPResponse(status: status, headers: exchange.headers, body: exchange.body)
    }

    static func transportError(_ code: CURLcode, detail: String) -> AWSError {
        let errorCode: AWSErrorCode = code == CURLE_OPERATION_TIMEDOUT ? .timeout : .connectionFailed
        let kind: AWSError.Kind = switch code {
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: .configuration
        default: .transport
        }
        return AWSError(kind: kind, code: errorCode, message: "curl error \(code.rawValue): \(detail)")
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.seconds * 1000)
    }

    /// Collects what libcurl hands to the write and header callbacks during one `perform`.
    private final class Exchange {
        var body: [UInt8] = []
        var headers: [(String, String)] = []
        var bodyTooLarge = false
    }

    private static let receiveBody: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
        data, size, count, context in
        guard let data, let context else { return 0 }
        let exchange = Unmanaged<Exchange>.fromOpaque(context).takeUnretainedValue()
        guard exchange.body.count + size * count <= maximumResponseBytes else {
            exchange.bodyTooLarge = true
            return 0  // libcurl stops the transfer with CURLE_WRITE_ERROR
        }
        data.withMemoryRebound(to: UInt8.self, capacity: size * count) { bytes in
            exchange.body.append(contentsOf: UnsafeBufferPointer(start: bytes, count: size * count))
        }
        return size * count
    }

    private static let receiveHeader: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
        data, size, count, context in
        guard let data, let context else { return 0 }
        let exchange = Unmanaged<Exchange>.fromOpaque(context).takeUnretainedValue()
        let line = data.withMemoryRebound(to: UInt8.self, capacity: size * count) { bytes in
            String(decoding: UnsafeBufferPointer(start: bytes, count: size * count), as: UTF8.self)
        }
        if line.hasPrefix("HTTP/") {
            exchange.headers.removeAll()  // a new response (after a redirect or 100 Continue) starts
        } else if let colon = line.firstIndex(of: ":") {
            exchange.headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        return size * count
    }
}
