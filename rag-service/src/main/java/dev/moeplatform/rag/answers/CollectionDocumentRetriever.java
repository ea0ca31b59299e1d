package dev.moeplatform.rag.answers;

import dev.moeplatform.contracts.identity.PlatformIdentity;
import dev.moeplatform.rag.models.Callers;
import dev.moeplatform.rag.retrieval.HybridRetriever;
import dev.moeplatform.rag.retrieval.Passage;
import dev.moeplatform.rag.retrieval.SearchMode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.ai.document.Document;
import org.springframework.ai.rag.Query;
import org.springframework.ai.rag.retrieval.search.DocumentRetriever;

/**
 * The retrieval step of Spring AI's {@code RetrievalAugmentationAdvisor}: hybrid search over the collection named in
 * the request's advisor context, as the caller named there. The caller travels in the context rather than in a
 * scoped value because the advisor retrieves on its own scheduler when streaming.
 */
final class CollectionDocumentRetriever implements DocumentRetriever {

    static final String CALLER = "rag.caller";
    static final String COLLECTION = "rag.collection";
    static final String TOP_K = "rag.topK";

    private final HybridRetriever retriever;

    CollectionDocumentRetriever(HybridRetriever retriever) {
        this.retriever = retriever;
    }

    @Override
    public List<Document> retrieve(Query query) {
        PlatformIdentity caller = (PlatformIdentity) query.context().get(CALLER);
        UUID collection = (UUID) query.context().get(COLLECTION);
        int topK = (Integer) query.context().get(TOP_K);
        List<Passage> passages = Callers.callAs(caller,
                () -> retriever.search(caller.tenant(), collection, query.text(), topK, SearchMode.HYBRID));
        return passages.stream().map(CollectionDocumentRetriever::document).toList();
    }

    private static Document document(Passage passage) {
        Map<String, Object> metadata = new HashMap<>();
        metadata.put("documentId", passage.documentId());
        metadata.put("documentTitle", passage.documentTitle());
        metadata.put("chunkIndex", passage.chunkIndex());
        metadata.put("headingPath", passage.headingPath());
        if (passage.page() != null) {
            metadata.put("page", passage.page());
        }
        return Document.builder().id(passage.chunkId()).text(passage.text()).metadata(metadata)
                .score(passage.score()).build();
    }
}
