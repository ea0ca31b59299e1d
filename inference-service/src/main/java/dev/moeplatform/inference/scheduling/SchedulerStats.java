package dev.moeplatform.inference.scheduling;

/**
 * A scheduler's state at one moment, and its totals since start.
 *
 * @param runningSequences sequences in the batch the engine steps
 * @param queuedRequests requests accepted but waiting for room in the batch
 * @param tokensInFlight what running and queued requests count against {@code max-tokens-in-flight}
 */
public record SchedulerStats(
        int runningSequences,
        int queuedRequests,
        long tokensInFlight,
        long steps,
        long completed,
        long cancelled,
        long timedOut,
        long rejected) {
}
