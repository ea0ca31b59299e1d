package dev.moeplatform.inference.embeddings;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import dev.moeplatform.testing.Http;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The one Spring context the embeddings tests share (same configuration, so it is started and the model loaded once). */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
abstract class EmbeddingsTestBase {

    static final String MODEL = "all-minilm-l6-v2";

    @LocalServerPort
    int port;

    /** The official OpenAI Java SDK, pointed at this service; no retries, so that a failure shows as it happened. */
    OpenAIClient openAi;

    @BeforeEach
    void connect() {
        openAi = OpenAIOkHttpClient.builder()
                .baseUrl("http://localhost:" + port + "/v1")
                .apiKey("unused")
                .maxRetries(0)
                .timeout(Duration.ofSeconds(60))
                .build();
    }

    @AfterEach
    void disconnect() {
        openAi.close();
    }

    Http http() {
        return new Http("http://localhost:" + port);
    }
}
