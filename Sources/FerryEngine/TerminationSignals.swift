import Foundation
import Synchronization

/// SIGTERM and SIGINT, handled by a thread of their own that waits for them with `sigwait`.
///
/// The signals are blocked in the calling thread first, so every thread started afterwards inherits the
/// block and the waiting thread is the only one that receives them: none is lost, and none interrupts a
/// libpq or libcurl call. Call it before starting any other thread.
public enum TerminationSignals {
    public static func handle(_ action: @escaping @Sendable (Int32) -> Void) {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        let blocked = signals
        let waiter = Thread {
            var received: Int32 = 0
            while true {
                var waitSet = blocked
                if sigwait(&waitSet, &received) == 0 { action(received) }
            }
        }
        waiter.name = "ferry-signals"
        waiter.start()
    }
}

/// A worker that may not exist yet when a signal arrives: a stop before `run` makes `run` return at once.
public final class WorkerHandle: Sendable {
    private let state = Mutex<(worker: Worker?, stopped: Bool)>((nil, false))

    public init() {}

    public func run(_ worker: Worker) throws {
        let stopped = state.withLock { state in
            state.worker = worker
            return state.stopped
        }
        if stopped { worker.stop() }
        try worker.run()
    }

    public func stop() {
        let worker = state.withLock { state in
            state.stopped = true
            return state.worker
        }
        worker?.stop()
    }
}
