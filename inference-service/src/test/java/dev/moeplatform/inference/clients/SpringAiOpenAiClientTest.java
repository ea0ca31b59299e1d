package dev.moeplatform.inference.clients;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.inference.ServingTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.openai.OpenAiEmbeddingModel;
import org.springframework.ai.openai.OpenAiEmbeddingOptions;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Spring AI's own OpenAI client, pointed at the service, works unchanged: chat, streaming chat and embeddings. */
@ServingTest
class SpringAiOpenAiClientTest {

    @LocalServerPort
    int port;

    private OpenAiChatModel chatModel() {
        return OpenAiChatModel.builder().options(OpenAiChatOptions.builder()
                .baseUrl("http://localhost:" + port + "/v1").apiKey("not-checked-here")
                .model(ServingTest.MODEL).temperature(0.0).maxTokens(12).seed(7)
                .logitBias(Map.of(String.valueOf(ServingTest.EOS), -100))
                .build()).build();
    }

    @Test
    void chatCompletesThroughSpringAiOpenAiModel() {
        ChatResponse response = chatModel().call(new Prompt("Hello from Spring AI"));

        assertThat(response.getResult().getOutput().getText()).isNotBlank();
        assertThat(response.getMetadata().getUsage().getCompletionTokens()).isEqualTo(12);
        assertThat(response.getMetadata().getModel()).isEqualTo(ServingTest.MODEL);
    }

    @Test
    void streamingGivesTheSameTextAsTheWholeAnswer() {
        OpenAiChatModel model = chatModel();
        String whole = model.call(new Prompt("Stream me")).getResult().getOutput().getText();

        List<ChatResponse> chunks = model.stream(new Prompt("Stream me")).collectList().block();

        String streamed = chunks.stream()
                .filter(c -> c.getResult() != null && c.getResult().getOutput().getText() != null)
                .map(c -> c.getResult().getOutput().getText()).reduce("", String::concat);
        assertThat(chunks).hasSizeGreaterThan(2);
        assertThat(streamed).isEqualTo(whole);
    }

    @Test
    void embeddingsThroughSpringAiOpenAiEmbeddingModel() {
        OpenAiEmbeddingModel embeddings = OpenAiEmbeddingModel.builder().options(OpenAiEmbeddingOptions.builder()
                .baseUrl("http://localhost:" + port + "/v1").apiKey("not-checked-here")
                .model("all-minilm-l6-v2").build()).build();

        float[] vector = embeddings.embed("The platform serves embeddings too.");

        assertThat(vector).hasSize(384);
    }
}
