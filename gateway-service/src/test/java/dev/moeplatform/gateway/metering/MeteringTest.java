package dev.moeplatform.gateway.metering;

import static dev.moeplatform.gateway.Admin.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.contracts.usage.UsageEvent;
import dev.moeplatform.gateway.Admin;
import dev.moeplatform.gateway.GatewayTest;
import dev.moeplatform.gateway.GatewayTestContext;
import dev.moeplatform.gateway.StubUpstream;
import dev.moeplatform.gateway.UsageTopicReader;
import dev.moeplatform.testing.Http;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;

/** Every model call yields one usage event with the upstream's usage, however it ends; streams pass unbuffered. */
@GatewayTest
class MeteringTest {

    @Value("${local.server.port}")
    int port;
    @Value("${spring.kafka.bootstrap-servers}")
    String kafka;

    Http http;
    String tenant;
    String keyId;
    String[] key;
    UsageTopicReader topic;

    @BeforeEach
    void keyAndTopic() {
        http = new Http("http://127.0.0.1:" + port);
        Admin admin = new Admin(http);
        tenant = admin.tenant("");
        var created = admin.key(tenant, "");
        keyId = created.get("details").get("id").asString();
        key = bearer(created.get("key").asString());
        topic = new UsageTopicReader(kafka);
    }

    @AfterEach
    void close() {
        topic.close();
    }

    static String chat(int maxTokens, String extra) {
        return "{\"model\":\"m1\",\"max_tokens\":" + maxTokens + ",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"hi\"}]" + extra + "}";
    }

    private String[] headers(String requestId) {
        return new String[] {key[0], key[1], "x-request-id", requestId};
    }

    @Test
    void aCallIsMeteredOnceWithTheUsageTheUpstreamReported() {
        String id = "meter-" + UUID.randomUUID();
        Http.Response response = http.post("/v1/chat/completions", "application/json", chat(4, ""), headers(id));
        assertThat(response.status()).as(response.body()).isEqualTo(200);

        UsageEvent event = topic.await(id, Duration.ofSeconds(20));
        assertThat(event.problems()).isEmpty();
        assertThat(event).extracting(UsageEvent::tenant, UsageEvent::team, UsageEvent::keyId, UsageEvent::model,
                UsageEvent::backend, UsageEvent::endpoint, UsageEvent::promptTokens, UsageEvent::completionTokens,
                UsageEvent::outcome).containsExactly(tenant, "main", keyId, "m1", "vllm", "chat.completions",
                (long) StubUpstream.PROMPT_TOKENS, 4L, "success");
    }

    @Test
    void aStreamIsMeteredFromTheUsageChunkTheClientDidNotAskFor() {
        String id = "meter-" + UUID.randomUUID();
        Http.Response response = http.post("/v1/chat/completions", "application/json",
                chat(3, ",\"stream\":true"), headers(id));
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).contains("tok ").endsWith("data: [DONE]\n\n").doesNotContain("\"usage\"");
        assertThat(GatewayTestContext.UPSTREAM.lastRequest().get("body").toString())
                .contains("\"stream_options\":{\"include_usage\":true}");
        UsageEvent event = topic.await(id, Duration.ofSeconds(20));
        assertThat(event.completionTokens()).isEqualTo(3);
        assertThat(event.promptTokens()).isEqualTo(StubUpstream.PROMPT_TOKENS);

        String asked = "meter-" + UUID.randomUUID();
        Http.Response withUsage = http.post("/v1/chat/completions", "application/json",
                chat(2, ",\"stream\":true,\"stream_options\":{\"include_usage\":true}"), headers(asked));
        assertThat(withUsage.body()).contains("\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2");
        assertThat(topic.await(asked, Duration.ofSeconds(20)).completionTokens()).isEqualTo(2);
    }

    @Test
    void aClientThatLeavesMidStreamIsMeteredForWhatWasProducedAndTheUpstreamIsCut() throws Exception {
        String id = "meter-" + UUID.randomUUID();
        int cutBefore = GatewayTestContext.UPSTREAM.streamsCut();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("Content-Type", "application/json").header(key[0], key[1]).header("x-request-id", id)
                .POST(HttpRequest.BodyPublishers.ofString(chat(40, ",\"stream\":true,\"delay_ms\":50"))).build();
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(),
                    StandardCharsets.UTF_8))) {
                int tokens = 0;
                assertThat(response.statusCode()).isEqualTo(200);
                while (tokens < 4) {
                    String line = lines.readLine();
                    assertThat(line).as("the stream ended early").isNotNull();
                    if (line.contains("tok ")) {
                        tokens++;
                    }
                }
            }
        }
        UsageEvent event = topic.await(id, Duration.ofSeconds(20));
        assertThat(event.outcome()).isEqualTo("cancelled");
        assertThat(event.completionTokens()).isBetween(4L, 39L);
        assertThat(event.promptTokens()).isEqualTo(StubUpstream.PROMPT_TOKENS);
        // The disconnect reached the upstream: it stopped writing instead of producing all 40 tokens for nobody.
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (GatewayTestContext.UPSTREAM.streamsCut() == cutBefore && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(GatewayTestContext.UPSTREAM.streamsCut()).isGreaterThan(cutBefore);
    }

    @Test
    void streamedChunksReachTheClientAsTheyArriveNotAtTheEnd() throws Exception {
        // 5 tokens 400 ms apart: a buffering gateway would deliver everything after 2 s, at once.
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("Content-Type", "application/json").header(key[0], key[1])
                .POST(HttpRequest.BodyPublishers.ofString(chat(5, ",\"stream\":true,\"delay_ms\":400"))).build();
        List<Long> arrivals = new ArrayList<>();
        long start = System.nanoTime();
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<java.util.stream.Stream<String>> response = client.send(request,
                    HttpResponse.BodyHandlers.ofLines());
            response.body().filter(line -> line.startsWith("data: ")).forEach(line ->
                    arrivals.add((System.nanoTime() - start) / 1_000_000));
        }
        assertThat(arrivals).hasSize(7); // role chunk, 5 tokens, [DONE]
        long end = arrivals.getLast();
        assertThat(end).isGreaterThanOrEqualTo(1900);
        assertThat(arrivals.getFirst()).as("the role chunk arrives before the first token is produced")
                .isLessThan(end - 1500);
        assertThat(arrivals.get(2) - arrivals.get(1)).as("tokens arrive one by one").isGreaterThan(200);
    }
}
