import FerryPrimitives

/// What the worker learned by performing the current step once.
public enum StepEvent: Sendable, Equatable {
    case completed(output: JSONValue)
    /// The step is not finished yet (a snapshot still `creating`): ask again later.
    case notYet(reason: String)
    case failed(StepFailure)
}

/// Where the current step stands when its outcome arrives.
public struct StepState: Sendable, Equatable {
    public var stepIndex: Int
    public var stepCount: Int
    /// Failed attempts so far, before this outcome.
    public var failedAttempts: Int
    /// "Not yet" answers so far, before this outcome.
    public var polls: Int
    /// Seconds since the step first started (database time).
    public var elapsed: Double

    public init(stepIndex: Int, stepCount: Int, failedAttempts: Int, polls: Int, elapsed: Double) {
        self.stepIndex = stepIndex
        self.stepCount = stepCount
        self.failedAttempts = failedAttempts
        self.polls = polls
        self.elapsed = elapsed
    }
}

/// What the worker must persist next; each case is one guarded statement in `RunStore`.
public enum RunTransition: Sendable, Equatable {
    /// Checkpoint the output and go on to the next step under the same lease.
    case advance(output: JSONValue)
    /// Checkpoint the output; the run has succeeded.
    case succeed(output: JSONValue)
    /// Park the run and release the lease; ask again after `delay` seconds.
    case poll(delay: Double, polls: Int, reason: String)
    /// Park the run and release the lease; try again after `delay` seconds.
    case retry(delay: Double, failedAttempts: Int, error: String)
    case fail(error: String)
}

/// What a step's outcome means for its run, under the step's retry, poll and timeout policy: pure, no I/O.
/// Given where the step stands, its policy and what happened, it says what to persist. `random` returns a
/// value in 0..<1 (injected so tests are exact).
public enum StepOutcomePolicy {
    public static func transition(
        state: StepState, step: StepDefinition, event: StepEvent, random: () -> Double
    ) -> RunTransition {
        switch event {
        case .completed(let output):
            return state.stepIndex + 1 >= state.stepCount ? .succeed(output: output) : .advance(output: output)
        case .notYet(let reason):
            if let timeout = step.timeout, state.elapsed >= timeout {
                return .fail(error: "step \(step.name) timed out after \(DurationText.format(timeout)) (\(state.polls + 1) polls): \(reason)")
            }
            let polls = state.polls + 1
            return .poll(delay: pollDelay(after: polls, policy: step.poll, random: random), polls: polls, reason: reason)
        case .failed(let failure):
            let attempts = state.failedAttempts + 1
            guard failure.isRetryable else {
                return .fail(error: failure.message)
            }
            guard attempts < step.retry.maxAttempts else {
                return .fail(error: "\(failure.message) (gave up after \(attempts) attempts)")
            }
            if let timeout = step.timeout, state.elapsed >= timeout {
                return .fail(error: "step \(step.name) timed out after \(DurationText.format(timeout)): \(failure.message)")
            }
            return .retry(delay: retryDelay(after: attempts, policy: step.retry, random: random), failedAttempts: attempts, error: failure.message)
        }
    }

    /// Full jitter: uniformly random in [0, min(cap, initial × multiplier^(attempts-1))].
    public static func retryDelay(after failedAttempts: Int, policy: StepRetryPolicy, random: () -> Double) -> Double {
        let ceiling = Backoff.delay(initial: policy.initialBackoff, multiplier: policy.multiplier, cap: policy.maxBackoff, step: failedAttempts - 1)
        return ceiling * random()
    }

    /// The poll interval grows to its cap; ±10% jitter keeps thousands of waiting runs from polling in step.
    public static func pollDelay(after polls: Int, policy: StepPollPolicy, random: () -> Double) -> Double {
        let interval = Backoff.delay(initial: policy.initialInterval, multiplier: policy.multiplier, cap: policy.maxInterval, step: polls - 1)
        return interval * (0.9 + 0.2 * random())
    }
}
