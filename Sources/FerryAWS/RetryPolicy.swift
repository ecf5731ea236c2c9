import Foundation
import Synchronization
import FerryPrimitives

/// How a client retries retryable failures (throttling, 5xx, timeouts, connection failures): up to
/// `maxAttempts` attempts with exponential backoff and full jitter, under a retry budget (a token bucket,
/// as in the AWS SDKs' "standard" retry mode). `sleep` and `random` are injectable so tests do not wait.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// Tokens in a full budget; a retry costs `retryCost` (`timeoutCost` after a timeout), a success
    /// gives back what its retries took, or one token when it needed none.
    public var budgetCapacity: Int
    public var retryCost: Int
    public var timeoutCost: Int
    public var sleep: @Sendable (Duration) -> Void
    public var random: @Sendable () -> Double

    public init(maxAttempts: Int = 3, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(20),
                budgetCapacity: Int = 500, retryCost: Int = 5, timeoutCost: Int = 10,
                sleep: @escaping @Sendable (Duration) -> Void = RetryPolicy.threadSleep,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.budgetCapacity = budgetCapacity
        self.retryCost = retryCost
        self.timeoutCost = timeoutCost
        self.sleep = sleep
        self.random = random
    }

    /// Blocks the calling thread (the engine runs each step on its own thread).
    public static let threadSleep: @Sendable (Duration) -> Void = { Thread.sleep(forTimeInterval: $0.seconds) }

    /// Full jitter: a uniform delay between zero and `min(maxDelay, baseDelay * 2^retry)`.
    func delay(beforeRetry retry: Int) -> Duration {
        let ceiling = Backoff.delay(initial: baseDelay.seconds, multiplier: 2, cap: maxDelay.seconds, step: retry)
        return .milliseconds(Int((random() * ceiling * 1000).rounded(.down)))
    }
}

/// The retry budget of one client. Thread-safe, although a client is used by one thread at a time.
final class RetryBudget: Sendable {
    private let tokens: Mutex<Int>
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        tokens = Mutex(capacity)
    }

    var available: Int { tokens.withLock { $0 } }

    /// Takes `cost` tokens if there are that many; false means the budget is spent: do not retry.
    func acquire(_ cost: Int) -> Bool {
        tokens.withLock { tokens in
            guard tokens >= cost else { return false }
            tokens -= cost
            return true
        }
    }

    func refund(_ amount: Int) {
        tokens.withLock { $0 = min(capacity, $0 + amount) }
    }
}
