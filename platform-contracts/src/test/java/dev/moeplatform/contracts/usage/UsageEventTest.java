package dev.moeplatform.contracts.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class UsageEventTest {

    static UsageEvent valid() {
        return new UsageEvent(1, "req-1", Instant.parse("2026-11-29T10:15:30Z"), "acme", "search", "key_ab12",
                "deepseek-v3", "native", "chat.completions", 120, 30, 20, 850, "success");
    }

    @Test
    void aCompleteEventHasNoProblems() {
        assertThat(valid().problems()).isEmpty();
    }

    @Test
    void everyProblemNamesItsField() {
        UsageEvent bad = new UsageEvent(2, " ", null, null, "team with space", "k".repeat(201), "m", "gpu",
                "images", -1, -2, 5, -3, "maybe");
        assertThat(bad.problems()).containsExactlyInAnyOrder(
                "schemaVersion must be 1, was 2",
                "eventId is required",
                "occurredAt is required",
                "tenant is required",
                "team must be printable ASCII without spaces",
                "keyId is longer than 200 characters",
                "backend must be one of [native, vllm], was gpu",
                "endpoint must be one of [chat.completions, completions, embeddings], was images",
                "outcome must be one of [cancelled, error, success], was maybe",
                "promptTokens must not be negative, was -1",
                "completionTokens must not be negative, was -2",
                "latencyMs must not be negative, was -3",
                "cachedTokens (5) cannot exceed promptTokens (-1)");
    }

    @Test
    void jsonFieldsAreExactlyThoseOfTheSchema() throws Exception {
        JsonMapper json = JsonMapper.builder().build();
        JsonNode schema;
        try (InputStream in = getClass().getResourceAsStream("/schemas/usage-event.v1.schema.json")) {
            schema = json.readTree(in);
        }
        JsonNode event = json.valueToTree(valid());
        List<String> eventFields = new ArrayList<>(event.propertyNames());
        List<String> required = schema.get("required").valueStream().map(JsonNode::asString).toList();
        assertThat(eventFields).containsExactlyInAnyOrderElementsOf(required);
        assertThat(new ArrayList<>(schema.get("properties").propertyNames()))
                .containsExactlyInAnyOrderElementsOf(required);
        assertThat(event.get("occurredAt").asString()).isEqualTo("2026-11-29T10:15:30Z");
        assertThat(json.readValue(json.writeValueAsString(valid()), UsageEvent.class)).isEqualTo(valid());
    }
}
