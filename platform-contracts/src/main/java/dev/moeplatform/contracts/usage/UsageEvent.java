package dev.moeplatform.contracts.usage;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One model call, as the gateway meters it and billing ledgers it: the message on Kafka topic
 * {@link UsageTopics#USAGE_EVENTS}, keyed by tenant, as JSON with these field names (the JSON Schema is
 * {@code schemas/usage-event.v1.schema.json} in this module).
 *
 * <p>Token counts follow OpenAI's {@code usage}: {@code cachedTokens} are the part of {@code promptTokens} served from
 * a prompt cache ({@code prompt_tokens_details.cached_tokens}), so they are never added on top of the prompt.
 * {@code eventId} is the request id and the ledger's deduplication key: the same call sent twice is counted once.
 *
 * @param schemaVersion {@link #SCHEMA_VERSION}; a consumer refuses versions it does not know
 * @param eventId the request id ({@code x-request-id}), unique per model call
 * @param occurredAt when the call finished (UTC)
 * @param tenant the tenant that pays
 * @param team the team inside the tenant
 * @param keyId the API key's public id (never the secret)
 * @param model the model id the client asked for
 * @param backend {@code native} or {@code vllm}
 * @param endpoint which API: {@code chat.completions}, {@code completions} or {@code embeddings}
 * @param promptTokens input tokens, including cached ones
 * @param completionTokens output tokens actually produced (also for failed and cancelled calls)
 * @param cachedTokens input tokens served from a cache, at most {@code promptTokens}
 * @param latencyMs from the gateway receiving the call to its last byte
 * @param outcome {@code success}, {@code error} or {@code cancelled}
 */
public record UsageEvent(
        int schemaVersion,
        String eventId,
        Instant occurredAt,
        String tenant,
        String team,
        String keyId,
        String model,
        String backend,
        String endpoint,
        long promptTokens,
        long completionTokens,
        long cachedTokens,
        long latencyMs,
        String outcome) {

    public static final int SCHEMA_VERSION = 1;
    public static final Set<String> BACKENDS = Set.of("native", "vllm");
    public static final Set<String> ENDPOINTS = Set.of("chat.completions", "completions", "embeddings");
    public static final Set<String> OUTCOMES = Set.of("success", "error", "cancelled");
    /** Identifiers (tenant, team, key, model, event id) are short printable strings: they become labels and keys. */
    public static final int MAX_ID_LENGTH = 200;

    /**
     * What is wrong with this event, one message per problem naming the field; empty when the event is valid. The
     * consumer dead-letters an event with problems instead of guessing.
     */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (schemaVersion != SCHEMA_VERSION) {
            problems.add("schemaVersion must be " + SCHEMA_VERSION + ", was " + schemaVersion);
        }
        requireId(problems, "eventId", eventId);
        if (occurredAt == null) {
            problems.add("occurredAt is required");
        }
        requireId(problems, "tenant", tenant);
        requireId(problems, "team", team);
        requireId(problems, "keyId", keyId);
        requireId(problems, "model", model);
        requireOneOf(problems, "backend", backend, BACKENDS);
        requireOneOf(problems, "endpoint", endpoint, ENDPOINTS);
        requireOneOf(problems, "outcome", outcome, OUTCOMES);
        requireNotNegative(problems, "promptTokens", promptTokens);
        requireNotNegative(problems, "completionTokens", completionTokens);
        requireNotNegative(problems, "cachedTokens", cachedTokens);
        requireNotNegative(problems, "latencyMs", latencyMs);
        if (cachedTokens > promptTokens) {
            problems.add("cachedTokens (" + cachedTokens + ") cannot exceed promptTokens (" + promptTokens + ")");
        }
        return problems;
    }

    private static void requireId(List<String> problems, String field, String value) {
        if (value == null || value.isBlank()) {
            problems.add(field + " is required");
        } else if (value.length() > MAX_ID_LENGTH) {
            problems.add(field + " is longer than " + MAX_ID_LENGTH + " characters");
        } else if (!value.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            problems.add(field + " must be printable ASCII without spaces");
        }
    }

    private static void requireOneOf(List<String> problems, String field, String value, Set<String> allowed) {
        if (value == null || !allowed.contains(value)) {
            problems.add(field + " must be one of " + allowed.stream().sorted().toList() + ", was " + value);
        }
    }

    private static void requireNotNegative(List<String> problems, String field, long value) {
        if (value < 0) {
            problems.add(field + " must not be negative, was " + value);
        }
    }
}
