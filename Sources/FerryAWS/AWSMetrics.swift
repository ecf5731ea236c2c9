import Metrics

/// The counters of Ferry's AWS calls, through swift-metrics: whatever backend the program bootstrapped
/// (Prometheus in `ferry worker --http-port`) receives them; without one they cost next to nothing.
enum AWSMetrics {
    /// One HTTP request sent, a retry included.
    static func called(service: String, action: String) {
        Counter(label: "ferry_aws_calls_total", dimensions: [("service", service), ("action", action)]).increment()
    }

    /// One request that failed, by the error's code (a transport failure counts under its own code).
    static func failed(service: String, code: AWSErrorCode) {
        Counter(label: "ferry_aws_errors_total", dimensions: [("service", service), ("code", code.rawValue)]).increment()
    }

    /// One failed request that is sent again.
    static func retried(service: String, code: AWSErrorCode) {
        Counter(label: "ferry_aws_retries_total", dimensions: [("service", service), ("code", code.rawValue)]).increment()
    }
}
