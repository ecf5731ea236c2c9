import FerryPostgres
import Foundation
import Logging

extension Worker {
    /// One slot: claim a due run, perform it until it parks, finishes or the lease is lost; sleep when
    /// nothing is due. Database trouble is logged and retried with backoff; a run being performed when
    /// the connection broke is left to its lease, which expires and lets any worker resume it.
    func slotLoop(slot: Int) {
        var store: RunStore?
        var consecutiveFailures = 0
        while !isStopping {
            let seen = wake.currentGeneration
            do {
                if store == nil {
                    store = RunStore(connection: try PostgresConnection(
                        connectionString: configuration.databaseURL, applicationName: "ferry-worker"))
                }
                if let run = try store!.claim(workerID: configuration.workerID, leaseSeconds: configuration.leaseSeconds) {
                    try perform(run, store: store!)
                } else {
                    let due = try store!.secondsUntilNextDue() ?? configuration.idleSeconds
                    wake.wait(since: seen, seconds: min(max(due, 0.005), configuration.idleSeconds))
                }
                consecutiveFailures = 0
            } catch {
                consecutiveFailures += 1
                let delay = min(5, 0.1 * Double(1 << min(consecutiveFailures, 6)))
                logger.error("worker slot error; retrying", metadata: [
                    "slot": "\(slot)", "error": "\(error)", "retry_in_seconds": "\(delay)",
                ])
                if (error as? PostgresError)?.kind == .connection { store = nil }
                pause(seconds: delay)
            }
        }
    }

    /// Performs a claimed run's steps in order under its lease.
    func perform(_ claimed: ClaimedRun, store: RunStore) throws {
        held.withLock { $0[claimed.id] = claimed.leaseEpoch }
        defer { _ = held.withLock { $0.removeValue(forKey: claimed.id) } }
        var logger = self.logger
        logger[metadataKey: "run_id"] = "\(claimed.id.lowercasedString)"
        logger[metadataKey: "workflow"] = "\(claimed.workflow)"
        if let previous = claimed.tookOverFrom {
            logger.notice("took over a run whose lease expired", metadata: ["previous_owner": "\(previous)"])
        }
        let claimedAt = ContinuousClock.now
        let databaseNow = { claimed.databaseNow.addingTimeInterval((ContinuousClock.now - claimedAt).seconds) }

        let plan: [PlannedStep]
        do {
            plan = try catalog.definition(version: claimed.definitionVersion, store: store).plan(input: claimed.input)
            guard plan.count == claimed.stepCount else {
                throw StepFailure.terminal("the definition plans \(plan.count) steps but the run was started with \(claimed.stepCount)")
            }
        } catch {
            let fence = LeaseFence(runID: claimed.id, epoch: claimed.leaseEpoch, stepIndex: claimed.stepIndex,
                                   stepName: "-", workerID: configuration.workerID)
            _ = try store.fail(fence: fence, failedAttempts: claimed.failedAttempts, polls: claimed.polls, error: "\(error)")
            logger.error("run failed: cannot plan it", metadata: ["error": "\(error)"])
            return
        }

        var stepIndex = claimed.stepIndex
        var failedAttempts = claimed.failedAttempts
        var polls = claimed.polls
        var stepStartedAt = claimed.stepStartedAt
        var outputs = claimed.outputs
        while true {
            let step = plan[stepIndex]
            let fence = LeaseFence(runID: claimed.id, epoch: claimed.leaseEpoch, stepIndex: stepIndex,
                                   stepName: step.name, workerID: configuration.workerID)
            if isStopping {
                if try store.release(fence: fence) { logger.info("released the run for another worker", metadata: ["step": "\(step.name)"]) }
                return
            }
            let event = performStep(step, of: claimed, stepIndex: stepIndex, failedAttempts: failedAttempts,
                                    polls: polls, outputs: outputs, logger: logger)
            if case .completed = event, step.definition.name == crashAfterStep { kill(getpid(), SIGKILL) }
            let state = StepState(stepIndex: stepIndex, stepCount: plan.count, failedAttempts: failedAttempts, polls: polls,
                                  elapsed: databaseNow().timeIntervalSince(stepStartedAt))
            let transition = RunStateMachine.transition(state: state, step: step.definition, event: event,
                                                        random: { Double.random(in: 0..<1) })
            let written: Bool
            switch transition {
            case .advance(let output), .succeed(let output):
                let completion = StepCompletion(output: output, attempts: failedAttempts + 1, polls: polls, startedAt: stepStartedAt)
                let started = ContinuousClock.now
                let outcome = try store.checkpoint(completion, fence: fence, isLastStep: stepIndex + 1 == plan.count)
                checkpointObserver?((ContinuousClock.now - started).seconds)
                switch outcome {
                case .running(let nextStepStartedAt)?:
                    outputs[step.name] = output
                    stepIndex += 1
                    failedAttempts = 0
                    polls = 0
                    stepStartedAt = nextStepStartedAt
                    continue
                case .succeeded?:
                    logger.info("run succeeded")
                case .cancelled?:
                    logger.notice("run cancelled at a step boundary", metadata: ["after_step": "\(step.name)"])
                case nil:
                    break
                }
                written = outcome != nil
            case .poll(let delay, let newPolls, let reason):
                written = try store.park(fence: fence, delay: delay, failedAttempts: failedAttempts, polls: newPolls,
                                         error: nil, kind: "step.waiting", reason: reason)
                logger.debug("step waiting", metadata: ["step": "\(step.name)", "polls": "\(newPolls)", "delay": "\(delay)"])
            case .retry(let delay, let attempts, let error):
                written = try store.park(fence: fence, delay: delay, failedAttempts: attempts, polls: polls,
                                         error: error, kind: "step.retrying", reason: error)
                logger.warning("step failed; will retry", metadata: [
                    "step": "\(step.name)", "attempt": "\(attempts)", "retry_in_seconds": "\(delay)", "error": "\(error)",
                ])
            case .fail(let error):
                written = try store.fail(fence: fence, failedAttempts: failedAttempts + 1, polls: polls, error: error)
                if written { logger.error("run failed", metadata: ["step": "\(step.name)", "error": "\(error)"]) }
            }
            if !written {
                logger.warning("lease lost: another worker or an operator took the run; dropping it", metadata: ["step": "\(step.name)"])
            }
            return
        }
    }

    private func performStep(
        _ step: PlannedStep, of run: ClaimedRun, stepIndex: Int, failedAttempts: Int, polls: Int,
        outputs: [String: JSONValue], logger: Logger
    ) -> StepEvent {
        guard let action = actions[step.definition.action] else {
            return .failed(.terminal("no action \"\(step.definition.action)\" is registered in this worker"))
        }
        var stepLogger = logger
        stepLogger[metadataKey: "step"] = "\(step.name)"
        let context = StepContext(
            runID: run.id, workflow: run.workflow, stepName: step.name, stepIndex: stepIndex,
            failedAttempts: failedAttempts, polls: polls, input: run.input, outputs: outputs,
            scheduledFor: run.scheduledFor, createdAt: run.createdAt, logger: stepLogger
        )
        do {
            switch try action.perform(context) {
            case .done(let output): return .completed(output: output)
            case .notYet(let reason): return .notYet(reason: reason)
            }
        } catch {
            return .failed(StepFailure(error))
        }
    }
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
