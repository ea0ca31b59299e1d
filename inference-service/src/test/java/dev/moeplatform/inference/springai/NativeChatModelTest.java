package dev.moeplatform.inference.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.moeplatform.inference.ServingTest;
import dev.moeplatform.inference.TestClient;
import dev.moeplatform.web.errors.ApiException;
import dev.moeplatform.inference.scheduling.Scheduler;
import dev.moeplatform.inference.scheduling.Schedulers;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.StreamingChatModel;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** The engine as a Spring AI ChatModel answers exactly what the HTTP API answers for the same seeded request. */
@ServingTest
class NativeChatModelTest {

    private static final String SYSTEM = "You are terse.";
    private static final String USER = "Say something.";

    @LocalServerPort
    int port;

    @Autowired
    ChatModel chatModel;

    @Autowired
    StreamingChatModel streamingChatModel;

    @Autowired
    Schedulers schedulers;

    /** What POST /v1/chat/completions answers for the seeded request. */
    private JsonNode http(int maxTokens, boolean neverStop) {
        String body = """
                {"model":"%s","messages":[{"role":"system","content":"%s"},{"role":"user","content":"%s"}],
                 "max_tokens":%d,"seed":42,"temperature":0.8,"top_p":0.95%s}
                """.formatted(ServingTest.MODEL, SYSTEM, USER, maxTokens,
                neverStop ? ",\"logit_bias\":{\"" + ServingTest.EOS + "\":-100}" : "");
        HttpResponse<String> response = new TestClient(port).post("/v1/chat/completions", body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return TestClient.json(response.body());
    }

    private static NativeChatOptions options(int maxTokens) {
        return NativeChatOptions.builder().model(ServingTest.MODEL).seed(42L).temperature(0.8).topP(0.95)
                .maxTokens(maxTokens).build();
    }

    private static Prompt prompt(ChatOptions options) {
        return new Prompt(List.of(new SystemMessage(SYSTEM), new UserMessage(USER)), options);
    }

    private static void assertSameAnswer(ChatResponse response, JsonNode http) {
        JsonNode choice = http.get("choices").get(0);
        assertThat(response.getResult().getOutput().getText()).isEqualTo(choice.get("message").get("content")
                .asString());
        assertThat(response.getResult().getMetadata().getFinishReason()).isEqualTo(choice.get("finish_reason")
                .asString());
        assertThat(response.getMetadata().getUsage().getPromptTokens()).isEqualTo(http.get("usage")
                .get("prompt_tokens").asInt());
        assertThat(response.getMetadata().getUsage().getCompletionTokens()).isEqualTo(http.get("usage")
                .get("completion_tokens").asInt());
        assertThat(response.getMetadata().getUsage().getTotalTokens()).isEqualTo(http.get("usage")
                .get("total_tokens").asInt());
        assertThat(response.getMetadata().getModel()).isEqualTo(ServingTest.MODEL);
        assertThat(response.getMetadata().getId()).startsWith("chatcmpl-");
    }

    @Test
    void oneBeanIsBothChatModels() {
        assertThat(chatModel).isInstanceOf(NativeChatModel.class).isSameAs(streamingChatModel);
        assertThat(chatModel.getDefaultOptions().getModel()).as("the first native model").isEqualTo(ServingTest.MODEL);
    }

    @Test
    void callAnswersWhatTheHttpApiAnswers() {
        JsonNode http = http(12, false);

        ChatResponse response = chatModel.call(prompt(options(12)));

        assertSameAnswer(response, http);
        assertThat(response.getResult().getOutput().getText()).isNotEmpty();
    }

    @Test
    void streamAnswersWhatTheHttpApiAnswers() {
        JsonNode http = http(16, false);

        List<ChatResponse> chunks = streamingChatModel.stream(prompt(options(16))).collectList().block();

        assertThat(chunks).hasSizeGreaterThan(1);
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> text.append(c.getResult().getOutput().getText()));
        ChatResponse last = chunks.getLast();
        assertThat(last.getResult().getOutput().getText()).isEmpty();
        assertThat(text.toString()).isEqualTo(http.get("choices").get(0).get("message").get("content").asString());
        assertThat(last.getResult().getMetadata().getFinishReason()).isEqualTo(http.get("choices").get(0)
                .get("finish_reason").asString());
        assertThat(last.getMetadata().getUsage().getCompletionTokens()).isEqualTo(http.get("usage")
                .get("completion_tokens").asInt());
        assertThat(last.getMetadata().getUsage().getPromptTokens()).isEqualTo(http.get("usage")
                .get("prompt_tokens").asInt());
    }

    @Test
    void chatClientOverTheBeanAnswersWhatTheHttpApiAnswers() {
        JsonNode http = http(10, false);

        ChatResponse response = ChatClient.create(chatModel).prompt().system(SYSTEM).user(USER)
                .options(NativeChatOptions.builder().seed(42L).temperature(0.8).topP(0.95).maxTokens(10))
                .call().chatResponse();

        assertSameAnswer(response, http);
    }

    @Test
    void logitBiasIsTheHttpApis() {
        JsonNode http = http(9, true);

        ChatResponse response = chatModel.call(prompt(options(9).mutate()
                .logitBias(Map.of(ServingTest.EOS, -100f)).build()));

        assertSameAnswer(response, http);
        assertThat(response.getResult().getMetadata().getFinishReason()).isEqualTo("length");
    }

    @Test
    void cancellingAStreamTakesTheRequestOutOfTheBatch() throws InterruptedException {
        Scheduler scheduler = schedulers.forModel(ServingTest.MODEL).orElseThrow();
        long cancelledBefore = scheduler.stats().cancelled();

        NativeChatOptions endless = options(200).mutate().logitBias(Map.of(ServingTest.EOS, -100f)).build();

        List<ChatResponse> first = streamingChatModel.stream(prompt(endless)).take(1).collectList().block();

        assertThat(first).hasSize(1);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while ((scheduler.stats().runningSequences() > 0 || scheduler.stats().cancelled() == cancelledBefore)
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(scheduler.stats().cancelled()).as("stopped before its 200 tokens or its end")
                .isGreaterThan(cancelledBefore);
        assertThat(scheduler.stats().runningSequences()).isZero();
    }

    @Test
    void plainChatOptionsWorkAndErrorsAreTheHttpApis() {
        ChatResponse response = chatModel.call(prompt(ChatOptions.builder().temperature(0.0).maxTokens(5).build()));
        assertThat(response.getMetadata().getUsage().getCompletionTokens()).isBetween(1, 5);

        ApiException unknown = catchThrowableOfType(ApiException.class,
                () -> chatModel.call(prompt(NativeChatOptions.builder().model("no-such-model").build())));
        assertThat(unknown.error().status()).isEqualTo(404);
        ApiException tooLong = catchThrowableOfType(ApiException.class,
                () -> chatModel.call(prompt(NativeChatOptions.builder().maxTokens(100_000).build())));
        assertThat(tooLong.error().code()).isEqualTo("context_length_exceeded");
    }
}
