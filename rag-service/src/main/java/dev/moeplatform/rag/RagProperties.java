package dev.moeplatform.rag;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * rag-service's settings ({@code platform.rag.*}; environment variables in application.yaml).
 *
 * @param gatewayUrl where the OpenAI-compatible model API is: every embedding and chat call goes through the
 *     gateway, on behalf of the tenant that asked, so that it is limited, budgeted and metered like any other call
 * @param embeddingModel the embedding model (its vectors must have the 384 dimensions of the chunk table)
 * @param chatModel the model {@code /ask} uses when the request names none
 * @param embeddingBatchSize inputs per embeddings request
 * @param modelTimeout the longest one model call may take
 * @param chunkTokens the most tokens in one chunk (cl100k_base count); the embedding model may read fewer (it
 *     embeds a longer chunk from its first tokens, see {@code GatewayEmbeddingModel})
 * @param chunkOverlapTokens tokens of the previous chunk repeated at the start of the next inside a section
 * @param maxDocumentSize a larger upload is refused with 413
 * @param synchronousLimit documents up to this size are ingested in the request; larger ones by a background job
 * @param ingestionWorkers background ingestion jobs running at once
 * @param efSearch HNSW candidate list size for vector search ({@code hnsw.ef_search}); more is slower and more exact
 * @param iterativeScan pgvector 0.8's iterative index scans ({@code off}, {@code strict_order},
 *     {@code relaxed_order}): with a filter (tenant and collection) the scan goes on until the top-k is complete
 * @param maxScanTuples how many index tuples an iterative scan may visit ({@code hnsw.max_scan_tuples})
 * @param candidates each ranking (vector, keyword) contributes this many candidates per requested passage
 * @param keywordTerms the keyword ranking uses this many of the query's terms, the rarest in the collection
 * @param keywordCandidates about how many chunks the keyword ranking scores at most (see {@code HybridRetriever})
 * @param rrfK reciprocal rank fusion's constant: a passage at rank r of a ranking scores weight / (k + r)
 * @param vectorWeight the vector ranking's weight in the fusion
 * @param keywordWeight the keyword ranking's weight in the fusion
 * @param minSimilarity a vector candidate below this cosine similarity is not relevant (keyword matches are);
 *     {@code /ask} answers "nothing relevant" without a model call when no passage is left
 */
@Validated
@ConfigurationProperties("platform.rag")
public record RagProperties(
        @DefaultValue("http://127.0.0.1:8080") @NotBlank String gatewayUrl,
        @DefaultValue("all-minilm-l6-v2") @NotBlank String embeddingModel,
        @DefaultValue("synthetic-qwen2moe-tiny") @NotBlank String chatModel,
        @DefaultValue("64") @Positive int embeddingBatchSize,
        @DefaultValue("120s") Duration modelTimeout,
        @DefaultValue("200") @Positive int chunkTokens,
        @DefaultValue("40") @PositiveOrZero int chunkOverlapTokens,
        @DefaultValue("10MB") DataSize maxDocumentSize,
        @DefaultValue("256KB") DataSize synchronousLimit,
        @DefaultValue("1") @Positive int ingestionWorkers,
        @DefaultValue("200") @Positive int efSearch,
        @DefaultValue("strict_order") @NotBlank String iterativeScan,
        @DefaultValue("20000") @Positive int maxScanTuples,
        @DefaultValue("4") @Positive int candidates,
        @DefaultValue("8") @Positive int keywordTerms,
        @DefaultValue("1000") @Positive int keywordCandidates,
        @DefaultValue("60") @Positive int rrfK,
        @DefaultValue("1.0") @DecimalMin("0") double vectorWeight,
        @DefaultValue("1.0") @DecimalMin("0") double keywordWeight,
        @DefaultValue("0.25") @DecimalMin("-1") @DecimalMax("1") double minSimilarity) {
}
