package dev.moeplatform.inference.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.inference.ServingTest;
import dev.moeplatform.inference.TestClient;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** Continuous batching through the HTTP API: determinism under batching, limits, cancellation, timeouts. */
@ServingTest
class SchedulerBehaviourTest {

    @LocalServerPort
    int port;

    @Autowired
    Schedulers schedulers;

    private Scheduler scheduler() {
        return schedulers.forModel(ServingTest.MODEL).orElseThrow();
    }

    @AfterEach
    void batchIsEmptyAgain() {
        awaitTrue(() -> scheduler().stats().runningSequences() == 0 && scheduler().stats().queuedRequests() == 0
                && scheduler().stats().tokensInFlight() == 0, Duration.ofSeconds(20));
    }

    private static String streamingChat(int seed, String prompt, int maxTokens, int n) {
        return """
                {"model":"%s","messages":[{"role":"user","content":"%s"}],"max_tokens":%d,"n":%d,"seed":%d,
                 "temperature":1.0,"stream":true,"logit_bias":{"%d":-100}}
                """.formatted(ServingTest.MODEL, prompt, maxTokens, n, seed, ServingTest.EOS);
    }

    /** The text of a chat stream, from its content deltas. */
    private static String streamedText(String body) {
        StringBuilder text = new StringBuilder();
        for (String frame : body.split("\n\n")) {
            if (frame.startsWith("data: {")) {
                JsonNode delta = TestClient.json(frame.substring(6)).get("choices").get(0).get("delta");
                if (delta.has("content")) {
                    text.append(delta.get("content").asString());
                }
            }
        }
        return text.toString();
    }

    @Test
    void sixteenConcurrentSeededStreamsEachProduceWhatTheyProduceAlone() throws Exception {
        TestClient client = new TestClient(port);
        List<String> requests = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            requests.add(streamingChat(1000 + i, "Prompt number " + i + " " + "abc ".repeat(i % 5), 24, 1));
        }
        List<String> alone = new ArrayList<>();
        for (String request : requests) {
            alone.add(streamedText(client.post("/v1/chat/completions", request).body()));
        }

        List<String> together = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            List<Future<String>> futures = new ArrayList<>();
            for (String request : requests) {
                futures.add(pool.submit(() -> streamedText(client.post("/v1/chat/completions", request).body())));
            }
            for (Future<String> future : futures) {
                together.add(future.get());
            }
        }

        assertThat(alone).allSatisfy(text -> assertThat(text).isNotEmpty());
        assertThat(alone).doesNotHaveDuplicates();
        assertThat(together).containsExactlyElementsOf(alone);
    }

    @Test
    void overTheTokensInFlightLimitIs429WithRetryAfter() throws Exception {
        TestClient client = new TestClient(port);
        // Each needs 4 x (prompt + 230) tokens, about 1,000 of the 4,096 allowed, and the batch (4 sequences) runs
        // one of them at a time: of 10 sent at once, at most 4 are in flight together and the others are refused.
        List<HttpResponse<String>> responses = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(10)) {
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                String request = streamingChat(i, "Hello", 230, 4);
                futures.add(pool.submit(() -> client.post("/v1/chat/completions", request)));
            }
            for (Future<HttpResponse<String>> future : futures) {
                responses.add(future.get());
            }
        }

        List<HttpResponse<String>> refused = responses.stream().filter(r -> r.statusCode() == 429).toList();
        assertThat(refused).isNotEmpty();
        assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).isIn(200, 429));
        HttpResponse<String> first = refused.getFirst();
        assertThat(first.headers().firstValue("Retry-After")).contains("2");
        JsonNode error = TestClient.json(first.body()).get("error");
        assertThat(error.get("type").asString()).isEqualTo("rate_limit_error");
        assertThat(error.get("code").asString()).isEqualTo("engine_overloaded");
        assertThat(error.get("message").asString()).contains("tokens are in flight");
        assertThat(scheduler().stats().rejected()).isPositive();
    }

    @Test
    void aClientThatDisconnectsMidStreamFreesItsSlot() throws Exception {
        long cancelledBefore = scheduler().stats().cancelled();
        long stepsBefore = scheduler().stats().steps();
        Socket socket = new TestClient(port).openStream("/v1/chat/completions", streamingChat(7, "Hello", 230, 2));
        InputStream in = socket.getInputStream();
        // A token's event (the opening event, {"role":"assistant","content":""}, leaves before the request runs).
        TestClient.readUntil(in, "\"delta\":{\"content\":\"");
        assertThat(scheduler().stats().runningSequences()).isEqualTo(2);

        socket.close();

        awaitTrue(() -> scheduler().stats().runningSequences() == 0, Duration.ofSeconds(10));
        SchedulerStats after = scheduler().stats();
        assertThat(after.cancelled()).isEqualTo(cancelledBefore + 1);
        assertThat(after.steps() - stepsBefore).as("stopped well before its 230 tokens").isLessThan(200);
        assertThat(after.tokensInFlight()).isZero();
    }

    @Test
    void aRequestThatOutlivesItsTimeLimitIsStopped() {
        long timedOutBefore = scheduler().stats().timedOut();
        HttpResponse<String> response = new TestClient(port).post("/v1/completions", """
                {"model":"%s","prompt":"Tell a long story","max_tokens":230,"n":4,"logit_bias":{"%d":-100}}
                """.formatted(ServingTest.MODEL, ServingTest.EOS), "x-platform-timeout-ms", "40");

        assertThat(response.statusCode()).isEqualTo(504);
        JsonNode error = TestClient.json(response.body()).get("error");
        assertThat(error.get("code").asString()).isEqualTo("request_timeout");
        assertThat(scheduler().stats().timedOut()).isEqualTo(timedOutBefore + 1);
    }

    private static void awaitTrue(BooleanSupplier condition, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("condition not met within " + timeout);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
