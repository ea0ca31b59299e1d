package dev.moeplatform.rag.retrieval;

import dev.moeplatform.rag.RagProperties;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.ai.document.Document;
import org.springframework.ai.vectorstore.SearchRequest;
import org.springframework.ai.vectorstore.VectorStore;
import org.springframework.ai.vectorstore.filter.FilterExpressionBuilder;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Retrieval over one collection of one tenant: the vector ranking from Spring AI's pgvector store (HNSW, cosine,
 * filtered to the tenant and collection; pgvector's iterative scans keep a filtered top-k complete), the keyword
 * ranking from PostgreSQL full text (BM25 over the query's rarest terms), fused by weighted
 * reciprocal rank. Both queries name the tenant. Model calls (the query embedding) are made on behalf of the bound
 * caller.
 */
@Component
public class HybridRetriever {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * The keyword ranking, BM25 over PostgreSQL full text: the query's lexemes (english stemming) that occur in the
     * collection, the {@code keyword-terms} rarest of them (a term most chunks contain says little and would make
     * every chunk a candidate), each weighted by its inverse document frequency from the collection's term
     * statistics; a chunk scores the sum over the terms it contains of idf × tf(k1 + 1) / (tf + k1(1 - b + b·len/avg))
     * with k1 1.2 and b 0.75, len its number of lexemes. Candidates come from the GIN index.
     */
    private static final String KEYWORD_SQL = """
            WITH stats AS (
                SELECT greatest(chunk_count, 1) AS n, greatest(lexeme_count, 1)::float8 / greatest(chunk_count, 1) AS avgdl
                FROM collection WHERE id = ? AND tenant = ?),
            terms AS (
                SELECT s.lexeme, ln(1 + (stats.n - s.chunks + 0.5) / (s.chunks + 0.5)) AS idf
                FROM (SELECT DISTINCT lexeme FROM unnest(to_tsvector('english', ?))) q
                JOIN rag_lexeme_stats s ON s.collection_id = ? AND s.lexeme = q.lexeme
                CROSS JOIN stats
                ORDER BY s.chunks, s.lexeme
                LIMIT ?),
            query AS (SELECT to_tsquery('simple', string_agg(quote_literal(lexeme), ' | ')) AS q FROM terms)
            SELECT c.id, c.content, c.metadata::text AS metadata,
                   (SELECT sum(t.idf * cardinality(u.positions) * 2.2
                               / (cardinality(u.positions) + 1.2 * (0.25 + 0.75 * length(c.content_tsv) / stats.avgdl)))
                    FROM unnest(c.content_tsv) u JOIN terms t ON t.lexeme = u.lexeme) AS rank
            FROM rag_chunk c, query, stats
            WHERE c.tenant = ? AND c.collection_id = ? AND c.content_tsv @@ query.q
            ORDER BY rank DESC, c.id
            LIMIT ?""";

    private final VectorStore vectors;
    private final JdbcTemplate jdbc;
    private final RagProperties properties;
    private final MeterRegistry meters;

    HybridRetriever(VectorStore vectors, JdbcTemplate jdbc, RagProperties properties, MeterRegistry meters) {
        this.vectors = vectors;
        this.jdbc = jdbc;
        this.properties = properties;
        this.meters = meters;
    }

    /** The top {@code topK} relevant passages (fewer when fewer are relevant), best first. */
    public List<Passage> search(String tenant, UUID collection, String query, int topK, SearchMode mode) {
        Timer.Sample sample = Timer.start(meters);
        try {
            return switch (mode) {
                case VECTOR -> relevant(vector(tenant, collection, query, topK)).stream().limit(topK).toList();
                case KEYWORD -> keyword(tenant, collection, query, topK);
                case HYBRID -> fuse(relevant(vector(tenant, collection, query, topK * properties.candidates())),
                        keyword(tenant, collection, query, topK * properties.candidates()), topK);
            };
        } finally {
            sample.stop(Timer.builder("platform.rag.retrieval.duration").description("Retrieval latency by mode")
                    .tag("mode", mode.name().toLowerCase()).publishPercentileHistogram().register(meters));
        }
    }

    private List<Passage> relevant(List<Passage> ranked) {
        return ranked.stream().filter(p -> p.similarity() >= properties.minSimilarity()).toList();
    }

    List<Passage> vector(String tenant, UUID collection, String query, int limit) {
        FilterExpressionBuilder where = new FilterExpressionBuilder();
        List<Document> found = vectors.similaritySearch(SearchRequest.builder().query(query).topK(limit)
                .similarityThresholdAll()
                .filterExpression(where.and(where.eq("tenant", tenant), where.eq("collectionId", collection.toString()))
                        .build())
                .build());
        List<Passage> passages = new ArrayList<>(found.size());
        for (int i = 0; i < found.size(); i++) {
            Document document = found.get(i);
            Map<String, Object> metadata = document.getMetadata();
            double similarity = document.getScore() == null ? 0 : document.getScore();
            passages.add(new Passage(document.getId(), (String) metadata.get("documentId"),
                    (String) metadata.get("documentTitle"), ((Number) metadata.get("chunkIndex")).intValue(),
                    (String) metadata.get("headingPath"),
                    metadata.get("page") instanceof Number n ? n.intValue() : null, document.getText(), similarity,
                    similarity, i + 1, null));
        }
        return passages;
    }

    List<Passage> keyword(String tenant, UUID collection, String query, int limit) {
        List<Passage> passages = new ArrayList<>();
        jdbc.query(KEYWORD_SQL, rs -> {
            JsonNode metadata = JSON.readTree(rs.getString("metadata"));
            int rank = passages.size() + 1;
            passages.add(new Passage(rs.getString("id"), metadata.path("documentId").asString(),
                    metadata.path("documentTitle").asString(), metadata.path("chunkIndex").asInt(),
                    metadata.path("headingPath").asString(),
                    metadata.has("page") ? metadata.get("page").asInt() : null, rs.getString("content"),
                    rs.getDouble("rank"), null, null, rank));
        }, collection, tenant, query, collection, properties.keywordTerms(), tenant, collection, limit);
        return passages;
    }

    /** Weighted reciprocal rank fusion: score = sum over rankings of weight / (k + rank). */
    private List<Passage> fuse(List<Passage> byVector, List<Passage> byKeyword, int topK) {
        int k = properties.rrfK();
        Map<String, Passage> fused = new LinkedHashMap<>();
        for (Passage p : byVector) {
            double score = properties.vectorWeight() / (k + p.vectorRank());
            fused.put(p.chunkId(), new Passage(p.chunkId(), p.documentId(), p.documentTitle(), p.chunkIndex(),
                    p.headingPath(), p.page(), p.text(), score, p.similarity(), p.vectorRank(), null));
        }
        for (Passage p : byKeyword) {
            double score = properties.keywordWeight() / (k + p.keywordRank());
            fused.merge(p.chunkId(), new Passage(p.chunkId(), p.documentId(), p.documentTitle(), p.chunkIndex(),
                    p.headingPath(), p.page(), p.text(), score, null, null, p.keywordRank()),
                    (v, kw) -> new Passage(v.chunkId(), v.documentId(), v.documentTitle(), v.chunkIndex(),
                            v.headingPath(), v.page(), v.text(), v.score() + kw.score(), v.similarity(),
                            v.vectorRank(), kw.keywordRank()));
        }
        return fused.values().stream()
                .sorted(Comparator.comparingDouble(Passage::score).reversed().thenComparing(Passage::chunkId))
                .limit(topK).toList();
    }
}
