/// Amazon CloudWatch in one region (the Query API, version 2010-08-01; the service signs as `monitoring`).
/// Not thread-safe: one thread at a time.
public final class CloudWatchClient {
    let query: QueryProtocol

    init(_ connection: ServiceConnection) {
        query = QueryProtocol(connection: connection, version: "2010-08-01")
    }

    /// PutMetricData: at most 1,000 data points in one namespace per call.
    public func putMetricData(namespace: String, _ data: [MetricDatum]) throws {
        guard !data.isEmpty else { return }
        guard data.count <= 1_000 else { throw AWSError.configuration("PutMetricData takes at most 1000 data points, got \(data.count)") }
        var parameters = QueryParameters()
        parameters.set("Namespace", namespace)
        for (index, datum) in data.enumerated() {
            let member = "MetricData.member.\(index + 1)"
            parameters.set("\(member).MetricName", datum.name)
            parameters.set("\(member).Value", datum.value)
            parameters.set("\(member).Unit", datum.unit.rawValue)
            for (position, key) in datum.dimensions.keys.sorted().enumerated() {
                parameters.set("\(member).Dimensions.member.\(position + 1).Name", key)
                parameters.set("\(member).Dimensions.member.\(position + 1).Value", datum.dimensions[key])
            }
        }
        try query.call("PutMetricData", parameters) { _ in () }
    }
}

@available(*, unavailable, message: "a client owns a curl handle: use one per thread")
extension CloudWatchClient: Sendable {}

/// One data point of `PutMetricData`.
public struct MetricDatum: Sendable, Equatable {
    /// The units Ferry publishes in (CloudWatch's `StandardUnit` spelling).
    public enum Unit: String, Sendable {
        case count = "Count"
        case seconds = "Seconds"
        case none = "None"
    }

    public var name: String
    public var value: Double
    public var unit: Unit
    /// At most 30; CloudWatch stamps the point with the time it receives it.
    public var dimensions: [String: String]

    public init(name: String, value: Double, unit: Unit, dimensions: [String: String] = [:]) {
        self.name = name
        self.value = value
        self.unit = unit
        self.dimensions = dimensions
    }
}
