/// The clients one thread uses, one per service and region, made on first use and kept: their connections
/// stay alive between calls and their retry budgets span them, as the SDKs' clients do. A worker slot keeps
/// one for every step it performs. Not `Sendable`: one session per thread.
public final class AWSSession {
    public let context: AWSContext
    private var rdsClients: [String: RDSClient] = [:]
    private var snsClients: [String: SNSClient] = [:]

    public init(_ context: AWSContext) {
        self.context = context
    }

    public func rds(region: String) throws -> RDSClient {
        if let client = rdsClients[region] { return client }
        let client = try context.rds(region: region)
        rdsClients[region] = client
        return client
    }

    public func sns(region: String) throws -> SNSClient {
        if let client = snsClients[region] { return client }
        let client = try context.sns(region: region)
        snsClients[region] = client
        return client
    }
}
