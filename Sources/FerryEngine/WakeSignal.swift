import Foundation

/// Wakes idle worker slots. A generation counter means a wake-up that arrives between a slot's empty
/// claim and its wait is not lost.
final class WakeSignal: @unchecked Sendable {
    private let condition = NSCondition()
    private var generation: UInt64 = 0

    var currentGeneration: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return generation
    }

    func wakeAll() {
        condition.lock()
        generation &+= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until woken after `seen`, or `seconds` pass.
    func wait(since seen: UInt64, seconds: Double) {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while generation == seen {
            if !condition.wait(until: deadline) { return }
        }
    }
}
