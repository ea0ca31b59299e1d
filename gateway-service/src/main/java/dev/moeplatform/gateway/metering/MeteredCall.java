package dev.moeplatform.gateway.metering;

import dev.moeplatform.contracts.usage.UsageEvent;
import dev.moeplatform.gateway.auth.Caller;
import dev.moeplatform.gateway.calls.ModelCall;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;

/**
 * One model call being metered: what the upstream reported (its {@code usage}) or, if it never did (a stream the
 * client left, a failure), what was seen (content chunks, the prompt size the native engine announces in
 * {@code x-platform-prompt-tokens}). {@link #finish} runs once, however the call ends.
 */
public final class MeteredCall {

    public static final String PROMPT_TOKENS_HEADER = "x-platform-prompt-tokens";
    static final String BACKEND_HEADER = "x-platform-backend";

    public enum Outcome { SUCCESS, ERROR, CANCELLED }

    /** How a call ended, for budgets and limits to settle against. */
    public record Result(UsageEvent event, boolean usageReported) {
    }

    private final Caller caller;
    private final ModelCall call;
    private final long startNanos = System.nanoTime();
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile JsonNode usage;
    private volatile long contentChunks;
    private volatile long announcedPromptTokens;
    private volatile String backend = "native";
    private volatile int status;
    private volatile boolean bodyCancelled;
    private volatile boolean bodyCompleted;

    public MeteredCall(Caller caller, ModelCall call) {
        this.caller = caller;
        this.call = call;
    }

    public ModelCall call() {
        return call;
    }

    void responseStarted(int status, String backendHeader, String promptTokensHeader) {
        this.status = status;
        if ("vllm".equals(backendHeader) || "native".equals(backendHeader)) {
            this.backend = backendHeader;
        }
        if (promptTokensHeader != null && promptTokensHeader.matches("\\d{1,9}")) {
            this.announcedPromptTokens = Long.parseLong(promptTokensHeader);
        }
    }

    void usage(JsonNode usage) {
        this.usage = usage;
    }

    void contentChunk() {
        contentChunks++;
    }

    void bodyCancelled() {
        bodyCancelled = true;
    }

    void bodyCompleted() {
        bodyCompleted = true;
    }

    public boolean usageReported() {
        return usage != null;
    }

    /** Tokens of a call as its upstream reported them. */
    public record Tokens(long prompt, long cached, long completion) {
    }

    /** The upstream's usage, once seen; null before (or if it never reports one). */
    public Tokens tokens() {
        JsonNode reported = usage;
        if (reported == null) {
            return null;
        }
        long prompt = reported.path("prompt_tokens").asLong(0);
        return new Tokens(prompt, Math.min(prompt, reported.path("prompt_tokens_details").path("cached_tokens")
                .asLong(0)), reported.path("completion_tokens").asLong(0));
    }

    /** Builds the call's one usage event and hands it on; later calls do nothing. */
    public void finish(Outcome ended, Consumer<Result> sink) {
        if (!finished.compareAndSet(false, true) || call.model() == null) {
            return;
        }
        Outcome outcome = ended;
        if (bodyCancelled && !bodyCompleted) {
            outcome = Outcome.CANCELLED; // the client left; the write may still have "completed" on a closed socket
        } else if (ended == Outcome.SUCCESS && (status >= 400 || status == 0)) {
            outcome = Outcome.ERROR;
        }
        long prompt;
        long completion;
        long cached = 0;
        Tokens reported = tokens();
        if (reported != null) {
            prompt = reported.prompt();
            completion = reported.completion();
            cached = reported.cached();
        } else {
            // No usage from upstream: meter what was actually produced (each streamed content chunk is a token).
            prompt = contentChunks > 0 || outcome == Outcome.SUCCESS ? announcedPromptTokens : 0;
            completion = contentChunks;
        }
        String requestId = caller.requestId() != null ? caller.requestId() : java.util.UUID.randomUUID().toString();
        UsageEvent event = new UsageEvent(UsageEvent.SCHEMA_VERSION, requestId, Instant.now(), caller.key().tenant(),
                caller.key().team(), caller.key().id(), call.model(), backend, call.endpoint(), prompt, completion,
                cached, (System.nanoTime() - startNanos) / 1_000_000,
                outcome.name().toLowerCase(java.util.Locale.ROOT));
        sink.accept(new Result(event, usage != null));
    }
}
