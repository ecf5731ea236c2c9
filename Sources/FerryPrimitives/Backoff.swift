import Foundation

/// The one growth curve of every wait that backs off — a step's retries and polls, the AWS client's retries,
/// alert deliveries, a worker thread's reconnects: `initial × multiplier^step`, capped. Callers add their
/// own jitter.
public enum Backoff {
    /// The wait before try `step + 1` (`step` 0 is the first wait).
    public static func delay(initial: Double, multiplier: Double, cap: Double, step: Int) -> Double {
        min(cap, initial * pow(multiplier, Double(max(step, 0))))
    }
}
