package dev.moeplatform.rag.retrieval;

import dev.moeplatform.contracts.identity.PlatformIdentity;
import dev.moeplatform.rag.collections.Collections;
import dev.moeplatform.rag.models.Callers;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.UUID;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "Search")
class SearchController {

    /** A search: the query, how many passages (1-50, default 5) and which rankings (default hybrid). */
    record SearchRequest(@NotBlank @Size(max = 4000) String query, @Min(1) @Max(50) Integer topK, SearchMode mode) {
    }

    record SearchResponse(String query, SearchMode mode, List<Passage> passages) {
    }

    private final Collections collections;
    private final HybridRetriever retriever;

    SearchController(Collections collections, HybridRetriever retriever) {
        this.collections = collections;
        this.retriever = retriever;
    }

    @PostMapping("/v1/rag/collections/{collection}/search")
    @Operation(summary = "The top-k passages of a collection for a query, with scores, document and position")
    SearchResponse search(PlatformIdentity caller, @PathVariable String collection,
            @Valid @org.springframework.web.bind.annotation.RequestBody SearchRequest request) {
        UUID id = collections.require(caller.tenant(), collection).id();
        SearchMode mode = request.mode() == null ? SearchMode.HYBRID : request.mode();
        int topK = request.topK() == null ? 5 : request.topK();
        List<Passage> passages = Callers.callAs(caller,
                () -> retriever.search(caller.tenant(), id, request.query(), topK, mode));
        return new SearchResponse(request.query(), mode, passages);
    }
}
