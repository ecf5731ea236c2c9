import FerryPostgres
import Foundation
import Logging
import Synchronization
import FerryPrimitives

/// The step executor: performs a claimed run's steps in order under its lease, each step's outcome turned
/// into the next transition by `StepOutcomePolicy` and persisted by `RunStore`.
extension Worker {
    /// Performs a claimed run's steps in order under its lease. Returns the slot's next run when the statement
    /// that finished this one claimed it (see `RunStore.checkpoint(_:fence:isLastStep:claimingNext:)`).
    func perform(_ claimed: ClaimedRun, store: RunStore, locals: SlotLocals) throws -> ClaimedRun? {
        let lease = HeldLease(runID: claimed.id, epoch: claimed.leaseEpoch)
        held.withLock { _ = $0.insert(lease) }
        defer { _ = held.withLock { $0.remove(lease) } }
        var logger = self.logger
        logger[metadataKey: "run_id"] = "\(claimed.id.lowercasedString)"
        logger[metadataKey: "workflow"] = "\(claimed.workflow)"
        // The database a run is about, when its input names one (the DR workflows' inputs do).
        if let database = claimed.input["database"]?.stringValue { logger[metadataKey: "database"] = "\(database)" }
        if let previous = claimed.tookOverFrom {
            EngineMetrics.leaseTakenOver(workflow: claimed.workflow)
            logger.notice("took over a run whose lease expired", metadata: ["previous_owner": "\(previous)"])
        }
        let claimedAt = ContinuousClock.now
        let databaseNow = { claimed.databaseNow.addingTimeInterval((ContinuousClock.now - claimedAt).seconds) }

        let definition: WorkflowDefinition
        let mainPlan: [PlannedStep]
        do {
            definition = try catalog.definition(version: claimed.definitionVersion, store: store)
            mainPlan = try definition.plan(input: claimed.input)
            guard mainPlan.count == claimed.stepCount else {
                throw StepFailure.terminal("the definition plans \(mainPlan.count) steps but the run was started with \(claimed.stepCount)")
            }
            if let stopped = claimed.compensation {
                let undo = definition.compensationPlan(stoppedAt: stopped.stoppedAtStep, plan: mainPlan)
                guard !undo.isEmpty, claimed.stepIndex < mainPlan.count + undo.count else {
                    throw StepFailure.terminal("the run stopped at step \(stopped.stoppedAtStep + 1) and is at step \(claimed.stepIndex + 1), which its definition does not compensate")
                }
            }
        } catch {
            let fence = LeaseFence(runID: claimed.id, epoch: claimed.leaseEpoch, stepIndex: claimed.stepIndex,
                                   stepName: "-", workerID: configuration.workerID)
            if try store.fail(fence: fence, failedAttempts: claimed.failedAttempts, polls: claimed.polls, error: "\(error)") {
                EngineMetrics.runFinished(workflow: claimed.workflow, outcome: .failed)
            }
            logger.error("run failed: cannot plan it", metadata: ["error": "\(error)"])
            return nil
        }

        var compensation = claimed.compensation
        /// The steps the run performs: its own, then, once stopped, its compensation steps.
        func steps(_ compensation: Compensation?) -> [PlannedStep] {
            guard let compensation else { return mainPlan }
            return mainPlan + definition.compensationPlan(stoppedAt: compensation.stoppedAtStep, plan: mainPlan)
        }
        var plan = steps(compensation)
        /// A run begins when its first step is first performed: not again after a retry, a poll, a takeover,
        /// a release or a resumption.
        var beginsHere = claimed.stepIndex == 0 && claimed.failedAttempts == 0 && claimed.polls == 0
            && claimed.tookOverFrom == nil && claimed.compensation == nil
        var stepIndex = claimed.stepIndex
        var failedAttempts = claimed.failedAttempts
        var polls = claimed.polls
        var stepStartedAt = claimed.stepStartedAt
        var outputs = claimed.outputs
        /// Goes on with the first compensation step after the run stopped.
        func beginCompensating(_ stopped: Compensation, startedAt: Date) {
            compensation = stopped
            plan = steps(stopped)
            stepIndex = mainPlan.count
            failedAttempts = 0
            polls = 0
            stepStartedAt = startedAt
            logger.notice("run stopped; undoing what it made", metadata: [
                "stopped_at_step": "\(mainPlan[min(stopped.stoppedAtStep, mainPlan.count - 1)].name)", "ends_as": "\(stopped.endsAs.rawValue)",
                "reason": "\(stopped.reason)",
            ])
        }
        while true {
            let step = plan[stepIndex]
            let fence = LeaseFence(runID: claimed.id, epoch: claimed.leaseEpoch, stepIndex: stepIndex,
                                   stepName: step.name, workerID: configuration.workerID)
            if isStopping {
                if try store.release(fence: fence) { logger.info("released the run for another worker", metadata: ["step": "\(step.name)"]) }
                return nil
            }
            if beginsHere {
                EngineMetrics.runStarted(workflow: claimed.workflow)
                beginsHere = false
            }
            let performedAt = ContinuousClock.now
            let event = performStep(step, of: claimed, fence: fence, failedAttempts: failedAttempts, polls: polls,
                                    outputs: outputs, compensation: compensation, store: store, locals: locals, logger: logger)
            EngineMetrics.stepPerformed(workflow: claimed.workflow, step: step.name, duration: ContinuousClock.now - performedAt)
            let state = StepState(stepIndex: stepIndex, stepCount: plan.count, failedAttempts: failedAttempts, polls: polls,
                                  elapsed: databaseNow().timeIntervalSince(stepStartedAt))
            let transition = StepOutcomePolicy.transition(state: state, step: step.definition, event: event,
                                                        random: { Double.random(in: 0..<1) })
            let written: Bool
            var next: ClaimedRun?
            switch transition {
            case .advance(let output), .succeed(let output):
                let completion = StepCompletion(output: output, attempts: failedAttempts + 1, polls: polls, startedAt: stepStartedAt)
                let started = ContinuousClock.now
                let isLastStep = stepIndex + 1 == plan.count
                // The slot's next run is claimed by the statement that finishes this one, unless the worker stops.
                let claim = isLastStep && !isStopping ? ClaimRequest(workerID: configuration.workerID, leaseSeconds: configuration.leaseSeconds) : nil
                let outcome: CheckpointOutcome?
                (outcome, next) = try store.checkpoint(completion, fence: fence, isLastStep: isLastStep, claimingNext: claim)
                latencyObserver?(.checkpoint, ContinuousClock.now - started)
                switch outcome {
                case .running(let nextStepStartedAt)?:
                    outputs[step.name] = output
                    stepIndex += 1
                    failedAttempts = 0
                    polls = 0
                    stepStartedAt = nextStepStartedAt
                    continue
                case .compensating(let stopped, let nextStepStartedAt)?:
                    outputs[step.name] = output
                    beginCompensating(stopped, startedAt: nextStepStartedAt)
                    continue
                case .finished(let status)?:
                    EngineMetrics.runFinished(workflow: claimed.workflow, outcome: status)
                    logger.info("run finished", metadata: ["status": "\(status.rawValue)", "after_step": "\(step.name)"])
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
                if written { EngineMetrics.stepRetried(workflow: claimed.workflow, step: step.name) }
                logger.warning("step failed; will retry", metadata: [
                    "step": "\(step.name)", "attempt": "\(attempts)", "retry_in_seconds": "\(delay)", "error": "\(error)",
                ])
            case .fail(let error):
                if compensation == nil, !definition.compensationPlan(stoppedAt: stepIndex, plan: mainPlan).isEmpty {
                    if let startedAt = try store.beginCompensation(fence: fence, failedAttempts: failedAttempts + 1, polls: polls, error: error) {
                        logger.error("step failed", metadata: ["step": "\(step.name)", "error": "\(error)"])
                        beginCompensating(Compensation(stoppedAtStep: stepIndex, endsAs: .failed, reason: error), startedAt: startedAt)
                        continue
                    }
                    written = false
                } else {
                    let message = compensation.map { "undoing failed: \(error) (the run had stopped: \($0.reason))" } ?? error
                    written = try store.fail(fence: fence, failedAttempts: failedAttempts + 1, polls: polls, error: message)
                    if written {
                        EngineMetrics.runFinished(workflow: claimed.workflow, outcome: .failed)
                        logger.error("run failed", metadata: ["step": "\(step.name)", "error": "\(message)"])
                    }
                }
            }
            if !written {
                logger.warning("lease lost: another worker or an operator took the run; dropping it", metadata: ["step": "\(step.name)"])
            }
            return next
        }
    }

    private func performStep(
        _ step: PlannedStep, of run: ClaimedRun, fence: LeaseFence, failedAttempts: Int, polls: Int,
        outputs: [String: JSONValue], compensation: Compensation?, store: RunStore, locals: SlotLocals, logger: Logger
    ) -> StepEvent {
        guard let action = catalog.contracts[run.workflow]?.step(named: step.definition.name)?.action else {
            return .failed(.terminal("this worker has no step \"\(step.definition.name)\" of workflow \(run.workflow)"))
        }
        var stepLogger = logger
        stepLogger[metadataKey: "step"] = "\(step.name)"
        let context = StepContext(
            runID: run.id, workflow: run.workflow, stepName: step.name, stepIndex: fence.stepIndex,
            failedAttempts: failedAttempts, polls: polls, input: run.input, outputs: outputs,
            scheduledFor: run.scheduledFor, createdAt: run.createdAt, compensation: compensation,
            session: StepSession(store: store, fence: fence), slot: locals, logger: stepLogger
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
