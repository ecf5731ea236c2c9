/// Amazon SNS in one region. Not thread-safe: one thread at a time.
public final class SNSClient {
    let query: QueryProtocol

    init(_ connection: ServiceConnection) {
        query = QueryProtocol(connection: connection, version: "2010-03-31")
    }

    /// Publishes `message` to the topic; returns the message id.
    @discardableResult
    public func publish(topicARN: String, message: String, subject: String? = nil) throws -> String {
        var parameters = QueryParameters()
        parameters.set("TopicArn", topicARN)
        parameters.set("Message", message)
        parameters.set("Subject", subject)
        return try query.call("Publish", parameters) { try $0.requiredString("MessageId") }
    }

    /// Creates the topic (or finds the existing one of that name); returns its ARN.
    public func createTopic(name: String) throws -> String {
        var parameters = QueryParameters()
        parameters.set("Name", name)
        return try query.call("CreateTopic", parameters) { try $0.requiredString("TopicArn") }
    }
}

@available(*, unavailable, message: "a client owns a curl handle: use one per thread")
extension SNSClient: Sendable {}
