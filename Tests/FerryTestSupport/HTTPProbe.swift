public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// GET from a server a test started on loopback (a worker's /metrics), as a scraper or a probe would.
public enum HTTPProbe {
    public struct Response: Sendable {
        public var status: Int
        public var body: String
    }

    public static func get(_ url: String, timeout: Double = 10) throws -> Response {
        guard let target = URL(string: url) else { throw URLError(.badURL) }
        var request = URLRequest(url: target, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = "GET"
        let outcome = Mutex<Result<Response, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, error in
            outcome.withLock { outcome in
                if let error {
                    outcome = .failure(error)
                } else {
                    outcome = .success(Response(status: (response as? HTTPURLResponse)?.statusCode ?? 0,
                                                body: String(decoding: data ?? Data(), as: UTF8.self)))
                }
            }
            done.signal()
        }.resume()
        done.wait()
        return try outcome.withLock { $0 }!.get()
    }
}
