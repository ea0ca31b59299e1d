package dev.moeplatform.rag.answers;

import com.openai.errors.OpenAIServiceException;
import dev.moeplatform.contracts.identity.PlatformIdentity;
import dev.moeplatform.rag.RagProperties;
import dev.moeplatform.rag.models.GatewayCredentials;
import dev.moeplatform.rag.models.ModelCalls;
import dev.moeplatform.rag.retrieval.HybridRetriever;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.PromptTemplate;
import org.springframework.ai.document.Document;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.rag.advisor.RetrievalAugmentationAdvisor;
import org.springframework.ai.rag.generation.augmentation.ContextualQueryAugmenter;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;

/**
 * Answers a question from a collection: Spring AI's ChatClient with the {@link RetrievalAugmentationAdvisor} (our
 * hybrid retriever as its document retriever, passages numbered in the prompt), then the
 * {@link NothingRelevantAdvisor}, then the chat model: OpenAI's API at the gateway, called on the asker's behalf so
 * that the tokens are limited, budgeted and metered to them.
 */
@Component
public class GroundedAnswers {

    private static final Pattern CITATION = Pattern.compile("\\[(\\d{1,3})]");
    private static final PromptTemplate PROMPT = new PromptTemplate("""
            Answer the question using only the numbered passages below. After each statement, cite the passages it \
            comes from by number in square brackets, like [1] or [2][3]. If the passages do not contain the answer, \
            say that the documents do not answer it; do not use other knowledge.

            Passages:
            {context}

            Question: {query}
            """);

    private final ChatClient chat;
    private final GatewayCredentials credentials;
    private final RagProperties properties;
    private final MeterRegistry meters;

    GroundedAnswers(HybridRetriever retriever, GatewayCredentials credentials, RagProperties properties,
            MeterRegistry meters) {
        this.credentials = credentials;
        this.properties = properties;
        this.meters = meters;
        OpenAiChatModel model = OpenAiChatModel.builder().options(OpenAiChatOptions.builder()
                .baseUrl(credentials.gatewayUrl() + "/v1").apiKey("on-behalf-of").model(properties.chatModel())
                .timeout(properties.modelTimeout()).maxRetries(0).build()).build();
        RetrievalAugmentationAdvisor rag = RetrievalAugmentationAdvisor.builder()
                .documentRetriever(new CollectionDocumentRetriever(retriever))
                .queryAugmenter(ContextualQueryAugmenter.builder().promptTemplate(PROMPT).allowEmptyContext(true)
                        .documentFormatter(GroundedAnswers::numbered).build())
                .order(0).build();
        this.chat = ChatClient.builder(model).defaultAdvisors(rag, new NothingRelevantAdvisor(1)).build();
        // Every outcome's series exists from the start, so that rates and shares read 0 rather than "no data".
        for (String outcome : List.of("answered", "nothing_relevant", "failed")) {
            counter(outcome);
        }
    }

    /** The passages as the prompt shows them: numbered from 1, each with its document and section. */
    private static String numbered(List<Document> documents) {
        StringBuilder context = new StringBuilder();
        for (int i = 0; i < documents.size(); i++) {
            Document d = documents.get(i);
            context.append('[').append(i + 1).append("] ").append(d.getMetadata().get("documentTitle")).append('\n')
                    .append(d.getText()).append("\n\n");
        }
        return context.toString().strip();
    }

    /** The question's settings: which model, how many passages, how long an answer. */
    record Question(String text, String model, int topK, Integer maxTokens) {
    }

    Answer ask(PlatformIdentity caller, UUID collection, Question question) {
        ChatClientResponse response;
        try {
            response = request(caller, collection, question).call().chatClientResponse();
        } catch (RuntimeException e) {
            count("failed");
            throw reason(e);
        }
        return answer(question, response, text(response.chatResponse()));
    }

    /** The answer as it is generated: text deltas, then the whole answer with its citations. */
    Flux<Object> stream(PlatformIdentity caller, UUID collection, Question question) {
        StringBuilder text = new StringBuilder();
        List<ChatClientResponse> last = new ArrayList<>(1);
        return request(caller, collection, question).stream().chatClientResponse()
                .<Object>map(response -> {
                    last.clear();
                    last.add(response);
                    String delta = text(response.chatResponse());
                    text.append(delta);
                    return new Delta(delta);
                })
                .concatWith(Flux.defer(() -> last.isEmpty() ? Flux.empty()
                        : Flux.just(answer(question, last.getFirst(), text.toString()))))
                .onErrorMap(e -> {
                    count("failed");
                    return reason(e);
                });
    }

    /**
     * What a failed answer tells the caller: the chat model's refusal with its status, or the retrieval's own error
     * (the advisor runs retrieval asynchronously and wraps what it throws).
     */
    private static RuntimeException reason(Throwable failure) {
        for (Throwable e = failure; e != null; e = e.getCause() == e ? null : e.getCause()) {
            if (e instanceof OpenAIServiceException refused) {
                return ModelCalls.refused("chat", refused.statusCode(), refused.getMessage());
            }
            if (e instanceof dev.moeplatform.web.errors.ApiException api) {
                return api;
            }
        }
        return failure instanceof RuntimeException runtime ? runtime : new IllegalStateException(failure);
    }

    /** A piece of the answer's text, as streamed. */
    record Delta(String text) {
    }

    private ChatClient.ChatClientRequestSpec request(PlatformIdentity caller, UUID collection, Question question) {
        String model = question.model() == null ? properties.chatModel() : question.model();
        OpenAiChatOptions.Builder options = OpenAiChatOptions.builder().model(model)
                .customHeaders(Map.of(dev.moeplatform.contracts.identity.IdentityHeader.NAME,
                        credentials.onBehalfOf(caller)));
        if (question.maxTokens() != null) {
            options.maxTokens(question.maxTokens());
        }
        return chat.prompt().user(question.text()).options(options)
                .advisors(a -> a.param(CollectionDocumentRetriever.CALLER, caller)
                        .param(CollectionDocumentRetriever.COLLECTION, collection)
                        .param(CollectionDocumentRetriever.TOP_K, question.topK()));
    }

    private Answer answer(Question question, ChatClientResponse response, String text) {
        boolean nothingRelevant = Boolean.TRUE.equals(response.context().get(NothingRelevantAdvisor.NOTHING_RELEVANT));
        List<Answer.Citation> passages = new ArrayList<>();
        if (response.context().get(RetrievalAugmentationAdvisor.DOCUMENT_CONTEXT) instanceof List<?> documents) {
            for (Object o : documents) {
                Document d = (Document) o;
                Map<String, Object> m = d.getMetadata();
                passages.add(new Answer.Citation(passages.size() + 1, (String) m.get("documentId"),
                        (String) m.get("documentTitle"), ((Number) m.get("chunkIndex")).intValue(),
                        (String) m.get("headingPath"), m.get("page") instanceof Number n ? n.intValue() : null,
                        d.getText()));
            }
        }
        Set<Integer> cited = new LinkedHashSet<>();
        Matcher matcher = CITATION.matcher(text);
        while (matcher.find()) {
            int number = Integer.parseInt(matcher.group(1));
            if (number >= 1 && number <= passages.size()) {
                cited.add(number);
            }
        }
        List<Answer.Citation> citations = cited.stream().map(n -> passages.get(n - 1)).toList();
        Answer.Usage usage = null;
        ChatResponse chatResponse = response.chatResponse();
        if (!nothingRelevant && chatResponse != null && chatResponse.getMetadata() != null) {
            Usage u = chatResponse.getMetadata().getUsage();
            if (u != null && u.getPromptTokens() != null) {
                usage = new Answer.Usage(u.getPromptTokens(), u.getCompletionTokens() == null ? 0
                        : u.getCompletionTokens());
            }
        }
        count(nothingRelevant ? "nothing_relevant" : "answered");
        String model = question.model() == null ? properties.chatModel() : question.model();
        return new Answer(nothingRelevant ? null : model, text, nothingRelevant, citations, passages, usage);
    }

    private static String text(ChatResponse response) {
        if (response == null || response.getResult() == null || response.getResult().getOutput() == null) {
            return "";
        }
        String text = response.getResult().getOutput().getText();
        return text == null ? "" : text;
    }

    private void count(String outcome) {
        counter(outcome).increment();
    }

    private Counter counter(String outcome) {
        return Counter.builder("platform.rag.answers").description("Questions answered, by outcome")
                .tag("outcome", outcome).register(meters);
    }
}
