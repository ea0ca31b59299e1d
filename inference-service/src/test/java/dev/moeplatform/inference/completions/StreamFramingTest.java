package dev.moeplatform.inference.completions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.inference.ServingTest;
import dev.moeplatform.inference.TestClient;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** The raw server-sent events, checked byte for byte against how OpenAI frames its streams. */
@ServingTest
class StreamFramingTest {

    @LocalServerPort
    int port;

    private static final String CHAT = """
            {"model":"%s","messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}],
             "max_tokens":6,"seed":11,"stream":true,"stream_options":{"include_usage":true},
             "logit_bias":{"%d":-100},"some_future_field":{"ignored":true}}
            """.formatted(ServingTest.MODEL, ServingTest.EOS);

    @Test
    void chatStreamIsFramedExactlyAsOpenAiFramesIt() {
        HttpResponse<String> response = new TestClient(port).post("/v1/chat/completions", CHAT);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
        assertThat(response.headers().firstValue("x-platform-backend")).contains("native");
        String body = response.body();
        assertThat(body).endsWith("\n\ndata: [DONE]\n\n");
        List<String> events = Arrays.asList(body.split("\n\n", -1));
        assertThat(events.getLast()).isEmpty(); // the body ends with a blank line
        List<String> frames = events.subList(0, events.size() - 1);
        assertThat(frames).allSatisfy(frame -> assertThat(frame).startsWith("data: ").doesNotContain("\n"));
        assertThat(frames.getLast()).isEqualTo("data: [DONE]");

        List<JsonNode> chunks = frames.subList(0, frames.size() - 1).stream()
                .map(f -> TestClient.json(f.substring("data: ".length()))).toList();
        JsonNode first = chunks.getFirst();
        assertThat(first.get("object").asString()).isEqualTo("chat.completion.chunk");
        assertThat(first.get("id").asString()).startsWith("chatcmpl-");
        assertThat(first.get("system_fingerprint").isNull()).isTrue();
        assertThat(first.get("choices").get(0).get("delta").get("role").asString()).isEqualTo("assistant");
        assertThat(first.get("usage").isNull()).isTrue();
        assertThat(chunks).allSatisfy(c -> assertThat(c.get("id").asString()).isEqualTo(first.get("id").asString()));

        JsonNode finish = chunks.get(chunks.size() - 2);
        assertThat(finish.get("choices").get(0).get("delta").isEmpty()).isTrue();
        assertThat(finish.get("choices").get(0).get("finish_reason").asString()).isEqualTo("length");
        for (JsonNode content : chunks.subList(1, chunks.size() - 2)) {
            assertThat(content.get("choices").get(0).get("delta").get("content").isString()).isTrue();
            assertThat(content.get("choices").get(0).get("finish_reason").isNull()).isTrue();
        }

        JsonNode usage = chunks.getLast();
        // The prompt's size is announced up front, for a gateway metering a stream its client may abandon.
        assertThat(response.headers().firstValue("x-platform-prompt-tokens"))
                .contains(usage.get("usage").get("prompt_tokens").asString());
        assertThat(usage.get("choices")).isEmpty();
        assertThat(usage.get("usage").get("completion_tokens").asInt()).isEqualTo(6);
        assertThat(usage.get("usage").get("total_tokens").asInt())
                .isEqualTo(usage.get("usage").get("prompt_tokens").asInt() + 6);
    }

    @Test
    void withoutIncludeUsageThereIsNoUsageChunkNorUsageField() {
        String body = new TestClient(port).post("/v1/chat/completions",
                CHAT.replace("\"stream_options\":{\"include_usage\":true},", "")).body();

        assertThat(body).doesNotContain("\"usage\"").doesNotContain("\"choices\":[]").endsWith("data: [DONE]\n\n");
    }

    @Test
    void completionStreamCarriesTextChunksAndTheLegacyLogprobs() {
        HttpResponse<String> response = new TestClient(port).post("/v1/completions", """
                {"model":"%s","prompt":"Once upon","max_tokens":4,"stream":true,"logprobs":2,"seed":5,
                 "logit_bias":{"%d":-100}}
                """.formatted(ServingTest.MODEL, ServingTest.EOS));

        String[] frames = response.body().split("\n\n");
        JsonNode firstChunk = TestClient.json(frames[0].substring(6));
        assertThat(firstChunk.get("object").asString()).isEqualTo("text_completion");
        assertThat(firstChunk.get("id").asString()).startsWith("cmpl-");
        JsonNode logprobs = firstChunk.get("choices").get(0).get("logprobs");
        assertThat(logprobs.get("tokens")).hasSize(1);
        assertThat(logprobs.get("token_logprobs").get(0).asDouble()).isNegative();
        assertThat(logprobs.get("top_logprobs").get(0).size()).isBetween(1, 2);
        assertThat(frames[frames.length - 2]).contains("\"finish_reason\":\"length\"");
        assertThat(frames[frames.length - 1]).isEqualTo("data: [DONE]");
    }

    @Test
    void nonStreamingChatHasOpenAisShapeWithLogprobs() {
        HttpResponse<String> response = new TestClient(port).post("/v1/chat/completions", """
                {"model":"%s","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}],
                 "max_completion_tokens":3,"logprobs":true,"top_logprobs":2,"n":2,"seed":1,"logit_bias":{"%d":-100}}
                """.formatted(ServingTest.MODEL, ServingTest.EOS));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-platform-backend")).contains("native");
        JsonNode json = TestClient.json(response.body());
        assertThat(json.get("object").asString()).isEqualTo("chat.completion");
        assertThat(json.get("created").asLong()).isPositive();
        assertThat(json.get("choices")).hasSize(2);
        JsonNode choice = json.get("choices").get(1);
        assertThat(choice.get("index").asInt()).isEqualTo(1);
        assertThat(choice.get("message").get("role").asString()).isEqualTo("assistant");
        assertThat(choice.get("finish_reason").asString()).isEqualTo("length");
        JsonNode token = choice.get("logprobs").get("content").get(0);
        assertThat(token.get("token").isString()).isTrue();
        assertThat(token.get("logprob").asDouble()).isNegative();
        assertThat(token.get("bytes").isArray()).isTrue();
        assertThat(token.get("top_logprobs")).hasSize(2);
        assertThat(choice.get("logprobs").get("content")).hasSize(3);
        assertThat(json.get("usage").get("completion_tokens").asInt()).isEqualTo(6);
    }
}
