package dev.moeplatform.rag.answers;

import java.util.List;
import java.util.Map;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.api.CallAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisorChain;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisor;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisorChain;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.rag.advisor.RetrievalAugmentationAdvisor;
import reactor.core.publisher.Flux;

/**
 * Runs after retrieval: when no passage was relevant, answers that the collection has nothing on the question
 * instead of letting a model improvise (and spend the tenant's tokens on it).
 */
final class NothingRelevantAdvisor implements CallAdvisor, StreamAdvisor {

    static final String ANSWER = "I found nothing relevant to this question in the collection's documents, so I "
            + "cannot answer it from them.";
    static final String NOTHING_RELEVANT = "rag.nothingRelevant";

    private final int order;

    NothingRelevantAdvisor(int order) {
        this.order = order;
    }

    @Override
    public ChatClientResponse adviseCall(ChatClientRequest request, CallAdvisorChain chain) {
        return nothingRetrieved(request) ? answer(request) : chain.nextCall(request);
    }

    @Override
    public Flux<ChatClientResponse> adviseStream(ChatClientRequest request, StreamAdvisorChain chain) {
        return nothingRetrieved(request) ? Flux.just(answer(request)) : chain.nextStream(request);
    }

    private static boolean nothingRetrieved(ChatClientRequest request) {
        return request.context().get(RetrievalAugmentationAdvisor.DOCUMENT_CONTEXT) instanceof List<?> documents
                && documents.isEmpty();
    }

    private static ChatClientResponse answer(ChatClientRequest request) {
        ChatResponse response = new ChatResponse(List.of(new Generation(new AssistantMessage(ANSWER))));
        Map<String, Object> context = new java.util.HashMap<>(request.context());
        context.put(NOTHING_RELEVANT, true);
        return ChatClientResponse.builder().chatResponse(response).context(context).build();
    }

    @Override
    public String getName() {
        return "nothingRelevant";
    }

    @Override
    public int getOrder() {
        return order;
    }
}
