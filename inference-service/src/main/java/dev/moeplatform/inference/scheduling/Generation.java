package dev.moeplatform.inference.scheduling;

import dev.moeplatform.web.errors.ApiError;
import java.time.Duration;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;

/**
 * A request accepted by a scheduler, as its caller holds it: the events the engine thread delivers, and a way to
 * stop it. The engine thread never blocks on a slow reader: events are queued here.
 */
public final class Generation {

    private final BlockingDeque<GenerationEvent> events = new LinkedBlockingDeque<>();
    private final Runnable wakeScheduler;
    private final Duration timeout;
    private final long deadlineNanos;
    private volatile boolean cancelled;

    Generation(Duration timeout, Runnable wakeScheduler) {
        this.timeout = timeout;
        this.deadlineNanos = System.nanoTime() + timeout.toNanos();
        this.wakeScheduler = wakeScheduler;
    }

    /** The next event, or null if none came within {@code wait}. */
    /** What a reader answers when {@link #awaitNext()} found no event: the engine did not answer in time. */
    public static final ApiError NO_ANSWER = new ApiError(504, "The engine did not answer in time.", null,
            "request_timeout");

    /** How long past the request's own deadline a reader waits, since the engine thread ends it at the deadline. */
    private static final Duration GRACE = Duration.ofSeconds(30);

    /**
     * The next event, waiting until the request's deadline plus a grace period; null when none came (the
     * generation is then cancelled, and the reader reports {@link #NO_ANSWER}).
     */
    public GenerationEvent awaitNext() throws InterruptedException {
        GenerationEvent event = next(remaining().plus(GRACE));
        if (event == null) {
            cancel();
        }
        return event;
    }

    public GenerationEvent next(Duration wait) throws InterruptedException {
        return events.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * The next event without taking it (the following {@link #next} returns it), or null if none came within
     * {@code wait}: lets a caller see whether a request failed before its first token. Only the single reader of
     * this generation may call it.
     */
    public GenerationEvent peek(Duration wait) throws InterruptedException {
        GenerationEvent event = events.pollFirst(wait.toNanos(), TimeUnit.NANOSECONDS);
        if (event != null) {
            events.addFirst(event);
        }
        return event;
    }

    /** The caller is gone (client disconnected): the scheduler drops the request before its next step. */
    public void cancel() {
        cancelled = true;
        wakeScheduler.run();
    }

    /** How long until the scheduler stops this request for its time limit. */
    public Duration remaining() {
        return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
    }

    /** The time limit this request runs under (the configured one, or less if the request asked). */
    public Duration timeout() {
        return timeout;
    }

    boolean cancelled() {
        return cancelled;
    }

    boolean expired(long nowNanos) {
        return nowNanos - deadlineNanos >= 0;
    }

    void deliver(GenerationEvent event) {
        events.add(event);
    }
}
