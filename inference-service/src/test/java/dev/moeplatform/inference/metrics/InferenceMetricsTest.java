package dev.moeplatform.inference.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.engine.Model;
import dev.moeplatform.inference.ServingTest;
import dev.moeplatform.inference.TestClient;
import dev.moeplatform.inference.models.NativeModels;
import dev.moeplatform.inference.scheduling.Scheduler;
import dev.moeplatform.inference.scheduling.Schedulers;
import dev.moeplatform.testing.Http;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** After real chat requests, /actuator/prometheus carries the inference meters with the usage the responses told. */
@ServingTest
class InferenceMetricsTest {

    private static final String[] NATIVE = {"model", ServingTest.MODEL, "backend", "native"};

    @LocalServerPort
    int port;

    @Autowired
    Schedulers schedulers;

    @Autowired
    NativeModels models;

    private Scrape scrape() {
        Http.Response response = new Http("http://localhost:" + port).get("/actuator/prometheus");
        assertThat(response.status()).isEqualTo(200);
        return Scrape.parse(response.body());
    }

    private void awaitIdle() {
        Scheduler scheduler = schedulers.forModel(ServingTest.MODEL).orElseThrow();
        await(() -> scheduler.stats().runningSequences() == 0 && scheduler.stats().queuedRequests() == 0
                && scheduler.stats().tokensInFlight() == 0, Duration.ofSeconds(20));
    }

    private static String[] with(String... more) {
        String[] all = new String[NATIVE.length + more.length];
        System.arraycopy(NATIVE, 0, all, 0, NATIVE.length);
        System.arraycopy(more, 0, all, NATIVE.length, more.length);
        return all;
    }

    private static double delta(Scrape before, Scrape after, String name, String... labels) {
        return after.sum(name, labels) - before.sum(name, labels);
    }

    @Test
    void chatRequestsShowUpWithTheUsageTheResponsesReported() {
        awaitIdle();
        Scrape before = scrape();
        TestClient client = new TestClient(port);
        long promptTokens = 0;
        long completionTokens = 0;
        long routedTokens = 0;
        // Two whole answers (one kept from stopping, so it ends by length) and one stream with usage.
        List<String> bodies = List.of(
                chat(7, "Hello there", 10, false, false),
                chat(8, "Count to five", 6, true, false),
                chat(9, "Tell me a story", 8, false, true));
        for (String body : bodies) {
            HttpResponse<String> response = client.post("/v1/chat/completions", body);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode usage = usage(response.body());
            int prompt = usage.get("prompt_tokens").asInt();
            int completion = usage.get("completion_tokens").asInt();
            promptTokens += prompt;
            completionTokens += completion;
            routedTokens += prompt + completion - 1; // the last sampled token is never fed back through the model
        }
        awaitIdle();
        Scrape after = scrape();

        assertThat(delta(before, after, "platform_inference_tokens_total", with("kind", "prompt")))
                .isEqualTo(promptTokens);
        assertThat(delta(before, after, "platform_inference_tokens_total", with("kind", "generation")))
                .isEqualTo(completionTokens);
        assertThat(delta(before, after, "platform_inference_requests_total", with("outcome", "length")))
                .isGreaterThanOrEqualTo(1);
        // Engine busy time grows with the steps those tokens took (what billing derives throughput from).
        assertThat(delta(before, after, "platform_inference_engine_busy_seconds_total", NATIVE)).isPositive();
        assertThat(delta(before, after, "platform_inference_requests_total", with("outcome", "stop"))
                + delta(before, after, "platform_inference_requests_total", with("outcome", "length"))).isEqualTo(3);
        assertThat(after.find("platform_inference_requests_total", with("outcome", "rejected"))).hasSize(1);
        assertThat(after.find("platform_inference_requests_total", with("application", "inference-service")))
                .as("the platform's common tag").hasSize(Outcome.values().length);

        // Latency histograms: one first token and one end per request, one gap per token after the first.
        assertThat(delta(before, after, "platform_inference_time_to_first_token_seconds_count", NATIVE)).isEqualTo(3);
        assertThat(after.find("platform_inference_time_to_first_token_seconds_bucket", NATIVE)).hasSizeGreaterThan(5);
        assertThat(after.find("platform_inference_time_to_first_token_seconds_bucket", with("le", "+Inf")))
                .hasSize(1);
        assertThat(delta(before, after, "platform_inference_time_to_first_token_seconds_sum", NATIVE)).isPositive();
        assertThat(delta(before, after, "platform_inference_inter_token_latency_seconds_count", NATIVE))
                .isEqualTo(completionTokens - 3);
        assertThat(delta(before, after, "platform_inference_request_latency_seconds_count", NATIVE)).isEqualTo(3);
        assertThat(after.find("platform_inference_request_latency_seconds_bucket", NATIVE)).isNotEmpty();

        // Gauges from the scheduler: present, and idle now.
        for (String gauge : List.of("platform_inference_requests_running", "platform_inference_requests_waiting",
                "platform_inference_sequences_running", "platform_inference_kv_cache_usage",
                "platform_inference_kv_cache_bytes")) {
            assertThat(after.find(gauge, NATIVE)).as(gauge).hasSize(1);
            assertThat(after.sum(gauge, NATIVE)).as(gauge).isZero();
        }

        // MoE expert load: every layer routes each token through k experts.
        Model model = models.get(ServingTest.MODEL).orElseThrow();
        int layers = model.info().layers();
        int k = model.info().expertsUsed();
        long expected = k * routedTokens;
        await(() -> {
            Scrape now = scrape();
            for (int layer = 0; layer < layers; layer++) {
                String l = Integer.toString(layer);
                if (delta(before, now, "platform_inference_moe_expert_tokens_total", with("layer", l)) != expected) {
                    return false;
                }
            }
            return true;
        }, Duration.ofSeconds(5));
        Scrape experts = scrape();
        assertThat(experts.find("platform_inference_moe_expert_tokens_total", with("layer", "0")))
                .hasSize(model.info().experts());
        List<Scrape.Sample> imbalance = experts.find("platform_inference_moe_expert_imbalance", NATIVE);
        assertThat(imbalance).hasSize(layers);
        assertThat(imbalance).allSatisfy(s -> assertThat(s.value()).isGreaterThanOrEqualTo(1.0)
                .isLessThanOrEqualTo(model.info().experts()));
    }

    private static String chat(int seed, String prompt, int maxTokens, boolean neverStop, boolean stream) {
        return """
                {"model":"%s","messages":[{"role":"user","content":"%s"}],"max_tokens":%d,"seed":%d,
                 "temperature":0.9%s%s}
                """.formatted(ServingTest.MODEL, prompt, maxTokens, seed,
                neverStop ? ",\"logit_bias\":{\"" + ServingTest.EOS + "\":-100}" : "",
                stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "");
    }

    private static JsonNode usage(String body) {
        if (body.startsWith("{")) {
            return TestClient.json(body).get("usage");
        }
        JsonNode usage = null;
        for (String frame : body.split("\n\n")) {
            if (frame.startsWith("data: {")) {
                JsonNode chunk = TestClient.json(frame.substring(6));
                if (chunk.has("usage") && !chunk.get("usage").isNull()) {
                    usage = chunk.get("usage");
                }
            }
        }
        assertThat(usage).as("usage in the stream").isNotNull();
        return usage;
    }

    private static void await(BooleanSupplier condition, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + limit);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
