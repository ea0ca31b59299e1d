package dev.moeplatform.inference.completions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.inference.ServingTest;
import dev.moeplatform.inference.TestClient;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** Bad requests get OpenAI's error object with the field at fault as {@code param}. */
@ServingTest
class ValidationTest {

    @LocalServerPort
    int port;

    private JsonNode error(String path, String body, int status) {
        HttpResponse<String> response = new TestClient(port).post(path, body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode error = TestClient.json(response.body()).get("error");
        assertThat(error.get("message").asString()).isNotBlank();
        assertThat(error.get("type").asString()).isNotBlank();
        return error;
    }

    private JsonNode chatError(String fields, int status) {
        return error("/v1/chat/completions", "{\"model\":\"" + ServingTest.MODEL + "\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]," + fields + "}", status);
    }

    @Test
    void outOfRangeAndWrongTypesNameTheirParam() {
        assertThat(chatError("\"temperature\":2.5", 400).get("param").asString()).isEqualTo("temperature");
        assertThat(chatError("\"temperature\":\"hot\"", 400).get("param").asString()).isEqualTo("temperature");
        assertThat(chatError("\"top_p\":1.5", 400).get("param").asString()).isEqualTo("top_p");
        assertThat(chatError("\"n\":0", 400).get("param").asString()).isEqualTo("n");
        assertThat(chatError("\"n\":1.5", 400).get("param").asString()).isEqualTo("n");
        assertThat(chatError("\"max_tokens\":0", 400).get("param").asString()).isEqualTo("max_tokens");
        assertThat(chatError("\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]", 400).get("param").asString())
                .isEqualTo("stop");
        assertThat(chatError("\"logit_bias\":{\"5\":101}", 400).get("param").asString()).isEqualTo("logit_bias");
        assertThat(chatError("\"logit_bias\":{\"99999\":1}", 400).get("param").asString()).isEqualTo("logit_bias");
        assertThat(chatError("\"top_logprobs\":3", 400).get("param").asString()).isEqualTo("top_logprobs");
        assertThat(chatError("\"presence_penalty\":-3", 400).get("param").asString()).isEqualTo("presence_penalty");
        assertThat(chatError("\"stream\":\"yes\"", 400).get("param").asString()).isEqualTo("stream");
        assertThat(chatError("\"n\":5", 400).get("param").asString()).as("more than the batch").isEqualTo("n");
    }

    @Test
    void messagesAreCheckedOneByOne() {
        String path = "/v1/chat/completions";
        String model = "{\"model\":\"" + ServingTest.MODEL + "\",";
        assertThat(error(path, model + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},"
                + "{\"role\":\"wizard\",\"content\":\"x\"}]}", 400).get("param").asString())
                .isEqualTo("messages[1].role");
        assertThat(error(path, model + "\"messages\":[{\"content\":\"Hi\"}]}", 400).get("param").asString())
                .isEqualTo("messages[0].role");
        assertThat(error(path, model + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}",
                400).get("param").asString()).isEqualTo("messages[0].content[0].type");
        assertThat(error(path, model + "\"messages\":[]}", 400).get("param").asString()).isEqualTo("messages");
        assertThat(error(path, model + "\"messages\":\"Hi\"}", 400).get("param").asString()).isEqualTo("messages");
        assertThat(error(path, "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", 400).get("param")
                .asString()).isEqualTo("model");
    }

    @Test
    void structuredOutputsAreRefusedHonestlyJsonModeAndTextAreAccepted() {
        JsonNode schema = chatError("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\","
                + "\"schema\":{\"type\":\"object\"}}}", 400);
        assertThat(schema.get("param").asString()).isEqualTo("response_format");
        assertThat(schema.get("code").asString()).isEqualTo("unsupported_parameter");
        assertThat(schema.get("message").asString()).contains("json_schema").contains("not supported yet")
                .contains("json_object");
        assertThat(chatError("\"response_format\":{\"type\":\"yaml\"}", 400).get("param").asString())
                .isEqualTo("response_format");
        assertThat(chatError("\"response_format\":\"json_object\"", 400).get("param").asString())
                .isEqualTo("response_format");
        for (String type : java.util.List.of("text", "json_object")) {
            assertThat(new TestClient(port).post("/v1/chat/completions", "{\"model\":\"" + ServingTest.MODEL + "\","
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":1,"
                    + "\"response_format\":{\"type\":\"" + type + "\"}}").statusCode()).as(type).isEqualTo(200);
        }
    }

    @Test
    void promptLongerThanTheContextGivesBothNumbers() {
        String longText = "word ".repeat(400);
        JsonNode chat = error("/v1/chat/completions", "{\"model\":\"" + ServingTest.MODEL + "\",\"max_tokens\":10,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + longText + "\"}]}", 400);
        JsonNode completion = error("/v1/completions", "{\"model\":\"" + ServingTest.MODEL + "\","
                + "\"prompt\":\"Hello\",\"max_tokens\":300}", 400);

        assertThat(chat.get("code").asString()).isEqualTo("context_length_exceeded");
        assertThat(chat.get("param").asString()).isEqualTo("messages");
        assertThat(chat.get("message").asString()).matches("This model's maximum context length is 256 tokens\\. "
                + "However, you requested \\d+ tokens \\(\\d+ in the messages, 10 in the completion\\)\\..*");
        assertThat(completion.get("param").asString()).isEqualTo("prompt");
        assertThat(completion.get("message").asString()).contains("maximum context length is 256 tokens")
                .contains("300 for the completion");
    }

    @Test
    void unknownAndUnreachableModels() {
        JsonNode unknown = error("/v1/completions", "{\"model\":\"gpt-17\",\"prompt\":\"x\"}", 404);
        JsonNode vllm = error("/v1/completions", "{\"model\":\"deepseek-v2-lite\",\"prompt\":\"x\"}", 503);

        assertThat(unknown.get("code").asString()).isEqualTo("model_not_found");
        assertThat(unknown.get("param").asString()).isEqualTo("model");
        assertThat(vllm.get("code").asString()).isEqualTo("backend_unavailable");
        assertThat(vllm.get("message").asString()).contains("vllm");
    }

    @Test
    void completionsPromptsMayBeTokenIdsAndUnsupportedOptionsAreRefused() {
        HttpResponse<String> tokens = new TestClient(port).post("/v1/completions",
                "{\"model\":\"" + ServingTest.MODEL + "\",\"prompt\":[[5,6,7],[8,9]],\"max_tokens\":2}");
        assertThat(tokens.statusCode()).isEqualTo(200);
        assertThat(TestClient.json(tokens.body()).get("choices")).hasSize(2);
        assertThat(TestClient.json(tokens.body()).get("usage").get("prompt_tokens").asInt()).isEqualTo(5);

        assertThat(error("/v1/completions", "{\"model\":\"" + ServingTest.MODEL + "\",\"prompt\":[1,99999]}", 400)
                .get("param").asString()).isEqualTo("prompt[1]");
        assertThat(error("/v1/completions", "{\"model\":\"" + ServingTest.MODEL + "\",\"prompt\":\"x\",\"echo\":true}",
                400).get("param").asString()).isEqualTo("echo");
        assertThat(error("/v1/completions", "{\"model\":\"" + ServingTest.MODEL + "\",\"prompt\":\"x\",\"logprobs\":6}",
                400).get("param").asString()).isEqualTo("logprobs");
    }
}
