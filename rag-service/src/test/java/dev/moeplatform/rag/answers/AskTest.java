package dev.moeplatform.rag.answers;

import static dev.moeplatform.testing.ErrorShapeAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.rag.ModelServer;
import dev.moeplatform.rag.RagFixture;
import dev.moeplatform.rag.RagTest;
import dev.moeplatform.testing.Http;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * {@code /ask}: retrieval, a grounded prompt with numbered passages, the chat call on the asker's behalf, citations
 * mapped back to passages; streamed as server-sent events; "nothing relevant" without a model call.
 */
@RagTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AskTest {

    @Autowired
    RagFixture rag;
    String tenant;
    String collection;

    @BeforeAll
    void ingest() throws Exception {
        tenant = RagFixture.newTenant();
        collection = rag.collection(tenant);
        assertThat(rag.addText(tenant, collection, "lang_transaction.md", "text/markdown",
                Files.readString(Path.of("eval/corpus/lang_transaction.md"))).status()).isEqualTo(201);
    }

    private Http.Response ask(String body) {
        return rag.as(tenant).post("/v1/rag/collections/" + collection + "/ask", "application/json", body);
    }

    @Test
    void answersFromNumberedPassagesAndCitesThem() {
        int before = ModelServer.get().calls("/v1/chat/completions").size();
        Http.Response response = ask("{\"question\":\"When does an implicit transaction commit?\",\"topK\":4,"
                + "\"maxTokens\":64}");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode answer = response.json();

        assertThat(answer.get("answer").asString()).isEqualTo(ModelServer.ANSWER);
        assertThat(answer.get("nothingRelevant").asBoolean()).isFalse();
        assertThat(answer.get("passages")).hasSize(4);
        assertThat(answer.get("citations")).hasSize(1);
        assertThat(answer.get("citations").get(0).toString()).isEqualTo(answer.get("passages").get(0).toString());
        assertThat(answer.get("citations").get(0).get("documentId").asString()).isEqualTo("lang_transaction.md");
        assertThat(answer.get("usage").get("completionTokens").asInt()).isEqualTo(14);

        List<ModelServer.Call> chats = ModelServer.get().calls("/v1/chat/completions");
        assertThat(chats).hasSize(before + 1);
        ModelServer.Call call = chats.getLast();
        assertThat(call.caller().tenant()).isEqualTo(tenant);
        assertThat(call.body().get("model").asString()).isEqualTo("synthetic-qwen2moe-tiny");
        assertThat(call.body().get("max_tokens").asInt()).isEqualTo(64);
        String prompt = call.body().get("messages").get(0).get("content").asString();
        assertThat(prompt).contains("When does an implicit transaction commit?", "[1] ", "[4] ",
                answer.get("passages").get(3).get("text").asString());
    }

    @Test
    void streamsDeltasThenTheAnswerWithCitations() {
        Http.Response response = ask("{\"question\":\"When does an implicit transaction commit?\",\"stream\":true}");
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.contentType()).startsWith("text/event-stream");

        List<String> deltas = new ArrayList<>();
        JsonNode answer = null;
        for (String event : response.body().split("\n\n")) {
            String name = event.lines().filter(l -> l.startsWith("event:")).map(l -> l.substring(6).strip())
                    .findFirst().orElse("");
            String data = event.lines().filter(l -> l.startsWith("data:")).map(l -> l.substring(5))
                    .reduce("", String::concat);
            if (name.equals("delta")) {
                deltas.add(RagFixture.json(data).get("text").asString());
            } else if (name.equals("answer")) {
                answer = RagFixture.json(data);
            }
        }
        assertThat(deltas).hasSizeGreaterThan(3);
        assertThat(String.join("", deltas)).isEqualTo(ModelServer.ANSWER);
        assertThat(answer).isNotNull();
        assertThat(answer.get("answer").asString()).isEqualTo(ModelServer.ANSWER);
        assertThat(answer.get("citations").get(0).get("number").asInt()).isEqualTo(1);
        assertThat(answer.get("passages")).hasSize(5);
    }

    @Test
    void saysSoWhenNothingIsRelevantWithoutCallingAModel() {
        int before = ModelServer.get().calls("/v1/chat/completions").size();
        Http.Response response = ask("{\"question\":\"Which football club won the cup in 1966?\"}");
        assertThat(response.status()).as(response.body()).isEqualTo(200);

        JsonNode answer = response.json();
        assertThat(answer.get("nothingRelevant").asBoolean()).isTrue();
        assertThat(answer.get("answer").asString()).contains("nothing relevant");
        assertThat(answer.get("citations")).isEmpty();
        assertThat(answer.get("passages")).isEmpty();
        assertThat(ModelServer.get().calls("/v1/chat/completions")).hasSize(before);
    }

    @Test
    void badQuestionsAreRefused() {
        assertProblem(ask("{\"question\":\"\"}"), 400);
        assertProblem(ask("{\"question\":\"x\",\"topK\":0}"), 400);
        assertProblem(ask("not json"), 400);
    }
}
