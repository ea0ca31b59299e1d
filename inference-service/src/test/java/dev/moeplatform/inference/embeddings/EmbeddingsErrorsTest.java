package dev.moeplatform.inference.embeddings;

import static dev.moeplatform.testing.ErrorShapeAssertions.assertOpenAiError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.testing.Http;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/** What goes over the wire for bad requests: OpenAI's error object, naming the field at fault. */
class EmbeddingsErrorsTest extends EmbeddingsTestBase {

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            {"input": "hi"}                                                   | 400 | model
            {"model": 7, "input": "hi"}                                       | 400 | model
            {"model": "", "input": "hi"}                                      | 400 | model
            {"model": "text-embedding-3-small", "input": "hi"}                | 404 | model
            {"model": "all-minilm-l6-v2"}                                     | 400 | input
            {"model": "all-minilm-l6-v2", "input": null}                      | 400 | input
            {"model": "all-minilm-l6-v2", "input": 42}                        | 400 | input
            {"model": "all-minilm-l6-v2", "input": {"text": "hi"}}            | 400 | input
            {"model": "all-minilm-l6-v2", "input": ""}                        | 400 | input
            {"model": "all-minilm-l6-v2", "input": []}                        | 400 | input
            {"model": "all-minilm-l6-v2", "input": ["hi", ""]}                | 400 | input
            {"model": "all-minilm-l6-v2", "input": ["hi", true]}              | 400 | input
            {"model": "all-minilm-l6-v2", "input": [101, 7592, 102]}          | 400 | input
            {"model": "all-minilm-l6-v2", "input": [[101, 7592, 102]]}        | 400 | input
            {"model": "all-minilm-l6-v2", "input": "hi", "encoding_format": "int8"} | 400 | encoding_format
            {"model": "all-minilm-l6-v2", "input": "hi", "encoding_format": 1}      | 400 | encoding_format
            {"model": "all-minilm-l6-v2", "input": "hi", "dimensions": 128}         | 400 | dimensions
            {"model": "all-minilm-l6-v2", "input": "hi", "dimensions": "384"}       | 400 | dimensions
            {"model": "all-minilm-l6-v2", "input": "hi", "dimensions": 3.5}         | 400 | dimensions
            {"model": "all-minilm-l6-v2", "input": "hi", "user": 12}                | 400 | user
            {"model": "all-minilm-l6-v2", "input": "hi", "truncate": "yes"}         | 400 | truncate
            """)
    void badRequestsNameTheirParam(String body, int status, String param) {
        JsonNode error = assertOpenAiError(post(body), status);

        assertThat(error.get("param").asString()).isEqualTo(param);
        assertThat(error.get("type").asString()).isEqualTo("invalid_request_error");
        if (status == 404) {
            assertThat(error.get("code").asString()).isEqualTo("model_not_found");
            assertThat(error.get("message").asString()).contains("text-embedding-3-small");
        }
    }

    @Test
    void tokenIdsAreRejectedAsUnsupported() {
        JsonNode error = assertOpenAiError(post("{\"model\":\"all-minilm-l6-v2\",\"input\":[1,2]}"), 400);

        assertThat(error.get("message").asString()).contains("token ids");
    }

    @Test
    void tooManyInputsIsA400() {
        String inputs = String.join(",", Collections.nCopies(2049, "\"hi\""));
        JsonNode error = assertOpenAiError(post("{\"model\":\"all-minilm-l6-v2\",\"input\":[" + inputs + "]}"), 400);

        assertThat(error.get("param").asString()).isEqualTo("input");
        assertThat(error.get("message").asString()).contains("2049", "2048");
    }

    @Test
    void anInputOverTheModelsTokenLimitIsA400NotATruncation() {
        String words = "word ".repeat(126); // 126 tokens plus [CLS] and [SEP]: exactly the limit
        assertThat(post("{\"model\":\"all-minilm-l6-v2\",\"input\":\"" + words + "\"}").json()
                .get("usage").get("prompt_tokens").asInt()).isEqualTo(128);

        JsonNode error = assertOpenAiError(
                post("{\"model\":\"all-minilm-l6-v2\",\"input\":[\"hi\",\"" + words + "word\"]}"), 400);

        assertThat(error.get("param").asString()).isEqualTo("input");
        assertThat(error.get("code").asString()).isEqualTo("context_length_exceeded");
        assertThat(error.get("message").asString()).contains("input[1]", "129", "128");
    }

    @Test
    void withTruncateALongInputIsEmbeddedFromItsFirstTokensAsTheModelCutsIt() {
        String limit = "word ".repeat(126);                     // exactly the model's 128 tokens
        String longer = limit + "other words past the window";  // 133 tokens: 400 without truncate

        JsonNode truncated = post("{\"model\":\"all-minilm-l6-v2\",\"truncate\":true,\"input\":[\"hi\",\"" + longer
                + "\"]}").json();
        JsonNode exact = post("{\"model\":\"all-minilm-l6-v2\",\"input\":\"" + limit + "\"}").json();

        assertThat(truncated.get("usage").get("prompt_tokens").asInt()).isEqualTo(3 + 128); // [CLS] hi [SEP] + 128
        JsonNode cut = truncated.get("data").get(1).get("embedding");
        JsonNode first128 = exact.get("data").get(0).get("embedding");
        for (int i = 0; i < 384; i++) {
            assertThat(cut.get(i).asDouble()).as("dimension %d", i).isCloseTo(first128.get(i).asDouble(),
                    org.assertj.core.api.Assertions.within(1e-5));
        }
        assertThat(assertOpenAiError(post("{\"model\":\"all-minilm-l6-v2\",\"input\":\"" + longer + "\"}"), 400)
                .get("message").asString()).contains("133", "128", "\"truncate\": true");
    }

    @Test
    void unknownFieldsAreIgnoredAndTheShapeIsOpenAis() {
        Http.Response response = post("""
                {"model": "all-minilm-l6-v2", "input": ["hi", "there"], "encoding_format": "float",
                 "dimensions": 384, "user": "u-1", "something_new": {"x": 1}}""");

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        JsonNode list = response.json();
        assertThat(list.propertyNames()).containsExactly("object", "data", "model", "usage");
        assertThat(list.get("object").asString()).isEqualTo("list");
        assertThat(list.get("model").asString()).isEqualTo(MODEL);
        JsonNode second = list.get("data").get(1);
        assertThat(second.propertyNames()).containsExactly("object", "index", "embedding");
        assertThat(second.get("object").asString()).isEqualTo("embedding");
        assertThat(second.get("index").asInt()).isEqualTo(1);
        assertThat(second.get("embedding").size()).isEqualTo(384);
        assertThat(list.get("usage").propertyNames()).containsExactly("prompt_tokens", "total_tokens");
        assertThat(list.get("usage").get("prompt_tokens").asInt()).isEqualTo(6); // [CLS] hi [SEP] twice
    }

    @Test
    void aBodyThatIsNotAnObjectIsA400() {
        assertOpenAiError(post("[\"hi\"]"), 400);
        assertOpenAiError(post("{\"model\":"), 400);
    }

    private Http.Response post(String body) {
        return http().post("/v1/embeddings", "application/json", body);
    }
}
