package dev.moeplatform.inference.scheduling;

/**
 * A scheduler's state at one moment, and its totals since start.
 *
 * @param runningSequences sequences in the batch the engine steps
 * @param queuedRequests requests accepted but waiting for room in the batch
 * @param tokensInFlight what running and queued requests count against {@code max-tokens-in-flight}
 * @param busyNanos time the engine spent in steps (prefill and decode) since start: tokens over busy time is the
 *     model's measured throughput on this hardware, which billing prices self-hosted models from
 * @param kvCacheBytes KV cache pages the model's sequences held after the last step
 * @param kvCacheReservedBytes the running requests' worst case, which admission keeps within the budget
 */
public record SchedulerStats(
        int runningSequences,
        int queuedRequests,
        long tokensInFlight,
        long steps,
        long completed,
        long cancelled,
        long timedOut,
        long rejected,
        long busyNanos,
        long kvCacheBytes,
        long kvCacheReservedBytes) {
}
