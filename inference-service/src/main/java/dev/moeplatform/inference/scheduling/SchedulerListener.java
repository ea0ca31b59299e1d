package dev.moeplatform.inference.scheduling;

import dev.moeplatform.engine.TextStream;

/**
 * What a {@link Scheduler} tells an observer (metrics) about the requests it serves. Calls are cheap and never
 * block: {@link #accepted} and {@link #rejected} run on the submitting thread, everything on a
 * {@link RequestObserver} on the model's engine thread (one at a time, in order), so an observer needs no locking of
 * its own beyond what its meters do.
 */
public interface SchedulerListener {

    /** Observes nothing. */
    SchedulerListener NONE = (modelId, request) -> RequestObserver.NONE;

    /**
     * A request was accepted into the queue.
     *
     * @return what follows this request until it ends; never null
     */
    RequestObserver accepted(String modelId, GenerationRequest request);

    /** A request was refused with 429 (queue or tokens in flight at their limit). */
    default void rejected(String modelId) {
    }

    /** How a request ended. */
    enum End { COMPLETED, CANCELLED, TIMED_OUT, FAILED }

    /** One accepted request, seen from the engine thread. */
    interface RequestObserver {

        RequestObserver NONE = new RequestObserver() {
        };

        /**
         * The request's sequences were created and their prompts queued for prefill.
         *
         * @param kvPositions positions of KV cache allocated per choice (prompt plus max_tokens, capped by the context)
         */
        default void started(int[] kvPositions) {
        }

        /** A token of one choice was sampled and is about to be delivered; {@code finish} is set on its last. */
        default void token(int choice, TextStream.Finish finish, long nanoTime) {
        }

        /** The request left the scheduler (from the queue or the batch); called once, before its last event. */
        default void ended(End end) {
        }
    }
}
