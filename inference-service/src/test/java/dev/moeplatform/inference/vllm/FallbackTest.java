package dev.moeplatform.inference.vllm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.inference.TestClient;
import dev.moeplatform.inference.models.Backend;
import dev.moeplatform.inference.models.NativeModels;
import dev.moeplatform.inference.scheduling.Schedulers;
import dev.moeplatform.testing.Http;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** Routing between the real native engine and the vLLM stub: when a request moves on, and when it must not. */
class FallbackTest extends VllmServingTest {

    private static final int EOS = 1338; // the bundled model's end of sequence; a bias of -100 keeps it generating

    @Autowired
    NativeModels nativeModels;

    @Autowired
    FallbackEvents fallbacks;

    @Autowired
    Schedulers schedulers;

    private static String chat(String model, boolean stream, int maxTokens, int n) {
        return """
                {"model":"%s","messages":[{"role":"user","content":"Hello"}],"max_tokens":%d,"n":%d,"stream":%b,
                 "logit_bias":{"%d":-100}}""".formatted(model, maxTokens, n, stream, EOS);
    }

    @Test
    void aVllmOnlyModelIsServedByVllmWithoutFallback() {
        HttpResponse<String> response = new TestClient(port).post("/v1/chat/completions", chat("qwen-vllm", false, 5,
                1));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-platform-backend")).contains("vllm");
        assertThat(response.headers().firstValue("x-platform-fallback")).isEmpty();
    }

    @Test
    void aNativeModelIsServedNativelyWhileItCan() {
        int before = STUB.calls(VllmStub.STABLE);
        HttpResponse<String> response = new TestClient(port).post("/v1/chat/completions",
                chat("synthetic-qwen2moe-tiny", true, 5, 1));

        assertThat(response.headers().firstValue("x-platform-backend")).contains("native");
        assertThat(response.body()).endsWith("data: [DONE]\n\n");
        assertThat(STUB.calls(VllmStub.STABLE)).isEqualTo(before);
    }

    @Test
    void overloadedNativeFallsBackToVllm() throws Exception {
        long before = fallbacks.count("synthetic-qwen2moe-tiny", Backend.NATIVE, Backend.VLLM, "native-overloaded");
        // Each needs 4 x (prompt + 230) tokens, about 1,000 of the 2,500 allowed: of 10 sent at once, most are
        // refused by the native scheduler, and go to vLLM instead of answering 429.
        List<HttpResponse<String>> responses = concurrently(10, chat("synthetic-qwen2moe-tiny", true, 230, 4));

        assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
        List<HttpResponse<String>> moved = responses.stream()
                .filter(r -> r.headers().firstValue("x-platform-backend").orElseThrow().equals("vllm")).toList();
        assertThat(moved).isNotEmpty().allSatisfy(r -> {
            assertThat(r.headers().firstValue("x-platform-fallback")).contains("native-overloaded");
            assertThat(r.body()).contains("\"model\":\"synthetic-qwen2moe-tiny\"").endsWith("data: [DONE]\n\n");
        });
        assertThat(responses).anySatisfy(r -> assertThat(r.headers().firstValue("x-platform-backend"))
                .contains("native"));
        assertThat(fallbacks.count("synthetic-qwen2moe-tiny", Backend.NATIVE, Backend.VLLM, "native-overloaded"))
                .isEqualTo(before + moved.size());
    }

    @Test
    void nativeFailingBeforeItsFirstTokenFallsBackToVllm() {
        // The engine loses the model under the scheduler: requests are accepted, then fail when their sequences
        // are created, before any token (500 engine_error from the scheduler's own error path).
        nativeModels.get("fragile-native").orElseThrow().close();
        TestClient client = new TestClient(port);

        HttpResponse<String> whole = client.post("/v1/chat/completions", chat("fragile-native", false, 5, 1));
        HttpResponse<String> streamed = client.post("/v1/chat/completions", chat("fragile-native", true, 5, 1));

        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.headers().firstValue("x-platform-backend")).contains("vllm");
        assertThat(whole.headers().firstValue("x-platform-fallback")).contains("native-failed");
        assertThat(TestClient.json(whole.body()).get("model").asString()).isEqualTo("fragile-native");
        assertThat(streamed.statusCode()).isEqualTo(200);
        assertThat(streamed.headers().firstValue("x-platform-backend")).contains("vllm");
        assertThat(streamed.headers().firstValue("x-platform-fallback")).contains("native-failed");
        assertThat(streamed.body()).startsWith("data: {\"id\":\"chatcmpl-0c4d9b7e").endsWith("data: [DONE]\n\n")
                .doesNotContain("engine_error");
        assertThat(fallbacks.count("fragile-native", Backend.NATIVE, Backend.VLLM, "native-failed")).isEqualTo(2);
        assertThat(new Http("http://localhost:" + port).get("/actuator/prometheus").body())
                .contains("platform_inference_backend_fallbacks_total{")
                .containsPattern("platform_inference_backend_fallbacks_total\\{[^}]*model=\"fragile-native\"[^}]*"
                        + "reason=\"native-failed\"[^}]*} 2\\.0")
                .containsPattern("platform_inference_backend_circuit_state\\{[^}]*backend=\"native\"[^}]*"
                        + "model=\"fragile-native\"[^}]*} 0\\.0");
    }

    @Test
    void noFallbackOnceATokenReachedTheClient() throws Exception {
        int before = STUB.calls(VllmStub.STABLE);
        try (Socket socket = new TestClient(port).openStream("/v1/chat/completions",
                chat("midstream-native", true, 230, 1))) {
            InputStream in = socket.getInputStream();
            String head = TestClient.readUntil(in, "\"content\":\"");
            assertThat(head).contains("x-platform-backend: native");

            nativeModels.get("midstream-native").orElseThrow().close(); // the engine fails at its next step

            // The tiny engine may have finished its 230 tokens already; either way the stream stays native's.
            String rest = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(rest).satisfiesAnyOf(
                    r -> assertThat(r).contains("\"code\":\"engine_error\"").doesNotContain("[DONE]"),
                    r -> assertThat(r).contains("data: [DONE]"));
            assertThat(rest).doesNotContain("chatcmpl-0c4d9b7e");
        }
        assertThat(STUB.calls(VllmStub.STABLE)).as("vLLM never called").isEqualTo(before);
    }

    @Test
    void noFallbackOnceVllmsFirstChunkReachedTheClient() throws Exception {
        // vllm-first's vLLM is down, so use the reverse order with a live vLLM that dies mid-stream.
        long completedBefore = schedulers.forModel("stub-first").orElseThrow().stats().completed();
        HttpResponse<String> response = new TestClient(port).post("/v1/chat/completions", """
                {"model":"stub-first","messages":[{"role":"user","content":"Hello"}],"stream":true,"user":"die"}""");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-platform-backend")).contains("vllm");
        assertThat(response.body()).contains("\"content\":\"Hello\"")
                .contains("\"code\":\"backend_unavailable\"").doesNotContain("[DONE]");
        Thread.sleep(200);
        assertThat(schedulers.forModel("stub-first").orElseThrow().stats().completed()).isEqualTo(completedBefore);
        assertThat(schedulers.forModel("stub-first").orElseThrow().stats().runningSequences()).isZero();
    }

    @Test
    void vllmFirstFallsBackToNativeWhenVllmIsUnreachable() {
        HttpResponse<String> response = new TestClient(port).post("/v1/chat/completions",
                chat("vllm-first", false, 5, 1));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-platform-backend")).contains("native");
        assertThat(response.headers().firstValue("x-platform-fallback").orElseThrow())
                .isIn("vllm-unreachable", "vllm-circuit-open");
        assertThat(TestClient.json(response.body()).get("usage").get("completion_tokens").asInt()).isEqualTo(5);
    }

    @Test
    void whenEveryBackendFailsTheLastOnesErrorAnswersWith429AndRetryAfterForOverload() throws Exception {
        // vLLM unreachable, then the native scheduler over its limits: the last backend's 429 is the answer.
        List<HttpResponse<String>> responses = concurrently(10, chat("vllm-first", true, 230, 4));

        assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).isIn(200, 429));
        HttpResponse<String> refused = responses.stream().filter(r -> r.statusCode() == 429).findFirst()
                .orElseThrow();
        assertThat(refused.headers().firstValue("Retry-After")).contains("2");
        JsonNode error = TestClient.json(refused.body()).get("error");
        assertThat(error.get("code").asString()).isEqualTo("engine_overloaded");
    }

    @Test
    void aClientErrorDoesNotFallBack() {
        int before = STUB.calls(VllmStub.STABLE);
        HttpResponse<String> response = new TestClient(port).post("/v1/chat/completions", """
                {"model":"synthetic-qwen2moe-tiny","messages":[{"role":"user","content":"Hello"}],"temperature":7}""");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(TestClient.json(response.body()).get("error").get("param").asString()).isEqualTo("temperature");
        assertThat(STUB.calls(VllmStub.STABLE)).isEqualTo(before);
    }

    private List<HttpResponse<String>> concurrently(int count, String request) throws Exception {
        TestClient client = new TestClient(port);
        List<HttpResponse<String>> responses = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(count)) {
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                futures.add(pool.submit(() -> client.post("/v1/chat/completions", request)));
            }
            for (Future<HttpResponse<String>> future : futures) {
                responses.add(future.get());
            }
        }
        return responses;
    }
}
