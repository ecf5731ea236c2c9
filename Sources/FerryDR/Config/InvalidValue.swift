/// A value that breaks a rule. The message states the rule, not the value, so that callers can say
/// `"<value>": <message>` once, the same way for every kind of value.
public struct InvalidValue: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
