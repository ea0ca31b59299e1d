package dev.moeplatform.inference.completions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import com.openai.models.ResponseFormatJsonObject;
import dev.moeplatform.inference.ServingTest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** OpenAI's own Java SDK, pointed at this service, must work as it does against OpenAI. */
@ServingTest
class OpenAiSdkTest {

    @LocalServerPort
    int port;

    private OpenAIClient client;

    @BeforeEach
    void connect() {
        client = OpenAIOkHttpClient.builder().baseUrl("http://localhost:" + port + "/v1").apiKey("not-checked")
                .maxRetries(0).build();
    }

    private ChatCompletionCreateParams.Builder chat() {
        return ChatCompletionCreateParams.builder().model(ServingTest.MODEL)
                .addSystemMessage("You are terse.").addUserMessage("Say something.")
                .maxCompletionTokens(12).seed(42).temperature(0.8);
    }

    @Test
    void chatCompletion() {
        ChatCompletion completion = client.chat().completions().create(chat().build());

        assertThat(completion.id()).startsWith("chatcmpl-");
        assertThat(completion.model()).isEqualTo(ServingTest.MODEL);
        assertThat(completion.choices()).hasSize(1);
        ChatCompletion.Choice choice = completion.choices().getFirst();
        assertThat(choice.message().content()).isPresent();
        assertThat(choice.finishReason().asString()).isIn("stop", "length");
        assertThat(completion.usage().orElseThrow().promptTokens()).isPositive();
        assertThat(completion.usage().orElseThrow().completionTokens()).isBetween(1L, 12L);
        assertThat(completion.usage().orElseThrow().totalTokens()).isEqualTo(
                completion.usage().orElseThrow().promptTokens() + completion.usage().orElseThrow().completionTokens());
    }

    @Test
    void jsonModeAnswersWithAJsonObject() {
        JsonMapper json = JsonMapper.builder().build();
        for (long seed : new long[] {1, 2, 3}) {
            ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model(ServingTest.MODEL)
                    .addUserMessage("Describe a cat as JSON.").maxCompletionTokens(64).seed(seed).temperature(1.0)
                    .responseFormat(ResponseFormatJsonObject.builder().build()).build();

            ChatCompletion.Choice choice = client.chat().completions().create(params).choices().getFirst();
            String content = choice.message().content().orElseThrow();
            JsonNode tree = json.readTree(content);
            assertThat(tree.isObject()).as(content).isTrue();
            assertThat(choice.finishReason().asString()).isEqualTo("stop");

            StringBuilder streamed = new StringBuilder();
            try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
                stream.stream().flatMap(c -> c.choices().stream())
                        .forEach(c -> c.delta().content().ifPresent(streamed::append));
            }
            assertThat(streamed.toString()).as("streamed, same seed").isEqualTo(content);
        }
    }

    @Test
    void streamedChatEqualsTheWholeAnswerForTheSameSeed() {
        String whole = client.chat().completions().create(chat().build()).choices().getFirst().message().content()
                .orElseThrow();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                chat().streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunks::add);
        }

        StringBuilder text = new StringBuilder();
        chunks.stream().flatMap(c -> c.choices().stream()).forEach(c -> c.delta().content().ifPresent(text::append));
        assertThat(text.toString()).isEqualTo(whole);
        assertThat(chunks.getFirst().choices().getFirst().delta().role()).isPresent();
        assertThat(chunks.getLast().choices()).isEmpty();
        assertThat(chunks.getLast().usage().orElseThrow().completionTokens()).isPositive();
    }

    @Test
    void completion() {
        Completion completion = client.completions().create(CompletionCreateParams.builder().model(ServingTest.MODEL)
                .prompt("Once upon a time").maxTokens(8).seed(3).n(2).build());

        assertThat(completion.id()).startsWith("cmpl-");
        assertThat(completion.choices()).hasSize(2);
        assertThat(completion.choices().get(1).index()).isEqualTo(1);
        assertThat(completion.usage().orElseThrow().completionTokens()).isBetween(2L, 16L);
    }

    @Test
    void listsModels() {
        List<Model> models = client.models().list().data();

        assertThat(models).extracting(Model::id).containsExactly(ServingTest.MODEL, "deepseek-v2-lite");
    }

    @Test
    void errorsReachTheSdkAsOpenAiErrors() {
        OpenAIServiceException unknown = catchThrowableOfType(OpenAIServiceException.class,
                () -> client.chat().completions().create(chat().model("no-such-model").build()));
        OpenAIServiceException vllm = catchThrowableOfType(OpenAIServiceException.class,
                () -> client.chat().completions().create(chat().model("deepseek-v2-lite").build()));

        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.code()).contains("model_not_found");
        assertThat(vllm.statusCode()).isEqualTo(503);
        assertThat(vllm.code()).contains("backend_unavailable");
    }
}
