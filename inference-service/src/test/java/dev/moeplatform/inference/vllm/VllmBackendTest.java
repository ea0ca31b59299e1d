package dev.moeplatform.inference.vllm;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import dev.moeplatform.inference.TestClient;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.BeforeEach;
import dev.moeplatform.testing.Http;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** A vLLM-only model served through the stub: OpenAI's SDK, the exact stream bytes, usage, errors. */
class VllmBackendTest extends VllmServingTest {

    @Autowired
    VllmUsage usage;

    private OpenAIClient client;

    @BeforeEach
    void connect() {
        client = OpenAIOkHttpClient.builder().baseUrl("http://localhost:" + port + "/v1").apiKey("not-checked")
                .maxRetries(0).build();
    }

    private static ChatCompletionCreateParams.Builder chat() {
        return ChatCompletionCreateParams.builder().model("qwen-vllm").addUserMessage("Hello").maxCompletionTokens(20);
    }

    @Test
    void chatCompletionThroughTheSdk() {
        double before = generationTokensMetered();
        ChatCompletion completion = client.chat().completions().create(chat().build());

        assertThat(completion.id()).isEqualTo("chatcmpl-7f3c2a9e41d84b0c9a1e6d5f2b8c4e07"); // vLLM's id
        assertThat(completion.model()).isEqualTo("qwen-vllm");
        assertThat(completion.choices().getFirst().message().content()).contains("Hello! How can I help you today?");
        assertThat(completion.choices().getFirst().finishReason().asString()).isEqualTo("stop");
        assertThat(completion.usage().orElseThrow().promptTokens()).isEqualTo(14);
        assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(10);
        assertThat(completion.usage().orElseThrow().totalTokens()).isEqualTo(24);
        JsonNode sent = STUB.lastRequest();
        assertThat(sent.get("model").asString()).isEqualTo(VllmStub.SERVED);
        assertThat(sent.get("max_completion_tokens").asInt()).isEqualTo(20);
        assertThat(generationTokensMetered() - before).as("metered with backend=vllm for billing").isEqualTo(10);
    }

    private double generationTokensMetered() {
        String scrape = new Http("http://localhost:" + port).get("/actuator/prometheus").body();
        return scrape.lines().filter(l -> l.startsWith("platform_inference_tokens_total{")
                        && l.contains("backend=\"vllm\"") && l.contains("kind=\"generation\"")
                        && l.contains("model=\"qwen-vllm\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void streamingChatThroughTheSdk() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(chat()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunks::add);
        }

        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> c.choices().forEach(choice -> choice.delta().content().ifPresent(text::append)));
        assertThat(text.toString()).isEqualTo("Hello there!");
        assertThat(chunks).allSatisfy(c -> assertThat(c.model()).isEqualTo("qwen-vllm"));
        ChatCompletionChunk last = chunks.getLast();
        assertThat(last.choices()).isEmpty();
        assertThat(last.usage().orElseThrow().completionTokens()).isEqualTo(3);
        assertThat(last.usage().orElseThrow().promptTokens()).isEqualTo(14);
    }

    @Test
    void completionThroughTheSdk() {
        Completion completion = client.completions().create(CompletionCreateParams.builder().model("qwen-vllm")
                .prompt("Once upon").maxTokens(6).build());

        assertThat(completion.id()).isEqualTo("cmpl-5b2e8d1c7a4f4e93b6d0c2a9f1e87d35");
        assertThat(completion.model()).isEqualTo("qwen-vllm");
        assertThat(completion.choices().getFirst().text()).isEqualTo(" a time, there was a");
        assertThat(completion.usage().orElseThrow().totalTokens()).isEqualTo(9);
    }

    @Test
    void streamIsVllmsChunksReframedWithOurModelIdAndNoUsageChunkUnlessAsked() {
        long responsesBefore = usage.totals("qwen-vllm").responses();
        HttpResponse<String> response = new TestClient(port).post("/v1/chat/completions", """
                {"model":"qwen-vllm","messages":[{"role":"user","content":"Hello"}],"stream":true}""");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
        assertThat(response.headers().firstValue("x-platform-backend")).contains("vllm");
        assertThat(response.headers().firstValue("x-platform-fallback")).isEmpty();
        String expected = VllmStub.fixture("chat-stream.sse").replace(VllmStub.SERVED, "qwen-vllm")
                .replaceAll("data: \\{[^\\n]*\"choices\":\\[\\],[^\\n]*\\n\\n", "");
        assertThat(response.body()).isEqualTo(expected);
        // vLLM was asked for usage anyway, and the numbers were counted
        assertThat(STUB.lastRequest().get("stream_options").get("include_usage").asBoolean()).isTrue();
        assertThat(usage.totals("qwen-vllm").responses()).isEqualTo(responsesBefore + 1);
    }

    @Test
    void completionStreamWithUsageKeepsTheUsageChunk() {
        HttpResponse<String> response = new TestClient(port).post("/v1/completions", """
                {"model":"qwen-vllm","prompt":"Once upon","max_tokens":2,"stream":true,
                 "stream_options":{"include_usage":true}}""");

        assertThat(response.body()).isEqualTo(VllmStub.fixture("completion-stream.sse")
                .replace(VllmStub.SERVED, "qwen-vllm"));
    }

    @Test
    void chunksArePassedOnAsTheyArrive() throws Exception {
        STUB.gate = new CountDownLatch(1);
        try (Socket socket = new TestClient(port).openStream("/v1/chat/completions", """
                {"model":"qwen-vllm","messages":[{"role":"user","content":"Hello"}],"stream":true,"user":"hold"}""")) {
            InputStream in = socket.getInputStream();
            // vLLM holds its stream after "Hello": the client has it already
            String seen = TestClient.readUntil(in, "\"content\":\"Hello\"");
            assertThat(seen).doesNotContain("[DONE]");
            STUB.gate.countDown();
            assertThat(TestClient.readUntil(in, "data: [DONE]")).contains("\"content\":\"!\"");
        } finally {
            STUB.gate = null;
        }
    }

    @Test
    void vllmsBadRequestPassesThroughWithItsStatusMessageAndParam() {
        HttpResponse<String> response = new TestClient(port).post("/v1/chat/completions", """
                {"model":"qwen-vllm","messages":[{"role":"user","content":"Hello"}],"temperature":-0.5}""");

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = TestClient.json(response.body()).get("error");
        assertThat(error.get("message").asString()).isEqualTo("temperature must be non-negative, got -0.5.");
        assertThat(error.get("param").asString()).isEqualTo("temperature");
        assertThat(error.get("type").asString()).isEqualTo("invalid_request_error");
    }

    @Test
    void vllmsNewerNestedErrorBodyIsReadToo() {
        HttpResponse<String> response = new TestClient(port).post("/v1/chat/completions", """
                {"model":"qwen-vllm","messages":[{"role":"user","content":"Hello"}],"max_tokens":9000}""");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(TestClient.json(response.body()).get("error").get("message").asString())
                .startsWith("This model's maximum context length is 4096 tokens.");
    }

    @Test
    void unreachableVllmIs503WithinTheConnectTimeout() {
        long start = System.nanoTime();
        HttpResponse<String> response = new TestClient(port).post("/v1/chat/completions", """
                {"model":"unreachable-vllm","messages":[{"role":"user","content":"Hello"}]}""");
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertThat(response.statusCode()).isEqualTo(503);
        JsonNode error = TestClient.json(response.body()).get("error");
        assertThat(error.get("code").asString()).isEqualTo("backend_unavailable");
        assertThat(error.get("message").asString()).contains("cannot be reached").contains("2 attempts");
        assertThat(millis).as("refused at once, one retry, well within 2 x connect-timeout").isLessThan(2000);
    }
}
