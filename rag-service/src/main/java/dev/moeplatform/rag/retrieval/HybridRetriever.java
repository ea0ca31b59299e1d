package dev.moeplatform.rag.retrieval;

import dev.moeplatform.rag.RagProperties;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
     * The query's terms as the keyword ranking sees them: its lexemes (english stemming) that occur in the collection,
     * rarest first, with their document frequency and inverse document frequency (BM25's), and the collection's
     * chunk count and average chunk length (in lexemes).
     */
    private static final String TERMS_SQL = """
            SELECT s.lexeme, s.chunks, ln(1 + (st.n - s.chunks + 0.5) / (s.chunks + 0.5)) AS idf, st.avgdl
            FROM (SELECT DISTINCT lexeme FROM unnest(to_tsvector('english', ?))) q
            JOIN rag_lexeme_stats s ON s.collection_id = ? AND s.lexeme = q.lexeme
            JOIN (SELECT greatest(chunk_count, 1) AS n, greatest(lexeme_count, 1)::float8 / greatest(chunk_count, 1) AS avgdl
                  FROM collection WHERE id = ? AND tenant = ?) st ON true
            ORDER BY s.chunks, s.lexeme
            LIMIT ?""";

    private record Term(String lexeme, long chunks, double idf, double averageLength) {

        /** The lexeme as tsquery text (quoted: a lexeme is matched as it is, never parsed). */
        String query() {
            return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'";
        }
    }

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

    /**
     * The keyword ranking: BM25 over PostgreSQL full text. The query's {@code keyword-terms} rarest terms in the
     * collection each weigh their idf; a chunk scores the sum over the terms of idf × {@code ts_rank} of the term
     * (which grows with the term's occurrences and saturates, as BM25's term frequency does), times BM25's length
     * normalisation (k1 1.2, b 0.75). The candidates come from the GIN index,
     * chosen so that at most about {@code keyword-candidates} chunks are scored: each term alone while the sum of
     * their document frequencies stays in budget, then pairs of the four rarest, and when every term is common all
     * of them together. (Scoring every chunk that has any one common term would read much of a large collection.)
     */
    List<Passage> keyword(String tenant, UUID collection, String query, int limit) {
        List<Term> terms = jdbc.query(TERMS_SQL, (rs, row) -> new Term(rs.getString("lexeme"), rs.getLong("chunks"),
                rs.getDouble("idf"), rs.getDouble("avgdl")), query, collection, collection, tenant,
                properties.keywordTerms());
        if (terms.isEmpty()) {
            return List.of();
        }
        StringBuilder score = new StringBuilder("(0");
        List<Object> arguments = new ArrayList<>();
        for (Term term : terms) {
            score.append(" + ? * ts_rank(c.content_tsv, ?::tsquery, 0)");
            arguments.add(term.idf());
            arguments.add(term.query());
        }
        score.append(") * 2.2 / (1 + 1.2 * (0.25 + 0.75 * length(c.content_tsv) / ?))");
        arguments.add(terms.getFirst().averageLength());
        arguments.addAll(List.of(candidates(terms), tenant, collection, limit));
        List<Passage> passages = new ArrayList<>();
        jdbc.query("SELECT c.id, c.content, c.metadata::text AS metadata, " + score + " AS rank FROM rag_chunk c "
                + "WHERE c.content_tsv @@ ?::tsquery AND c.tenant = ? AND c.collection_id = ? "
                + "ORDER BY rank DESC, c.id LIMIT ?", rs -> {
                    JsonNode metadata = JSON.readTree(rs.getString("metadata"));
                    passages.add(new Passage(rs.getString("id"), metadata.path("documentId").asString(),
                            metadata.path("documentTitle").asString(), metadata.path("chunkIndex").asInt(),
                            metadata.path("headingPath").asString(),
                            metadata.has("page") ? metadata.get("page").asInt() : null, rs.getString("content"),
                            rs.getDouble("rank"), null, null, passages.size() + 1));
                }, arguments.toArray());
        return passages;
    }

    /** The tsquery that selects the chunks to score (terms are rarest first). */
    private String candidates(List<Term> terms) {
        long budget = properties.keywordCandidates();
        long estimate = 0;
        List<String> clauses = new ArrayList<>();
        Set<Term> alone = new HashSet<>();
        for (Term term : terms) {
            if (estimate + term.chunks() <= budget) {
                clauses.add(term.query());
                alone.add(term);
                estimate += term.chunks();
            }
        }
        List<Term> rarest = terms.subList(0, Math.min(4, terms.size()));
        for (int i = 0; i < rarest.size(); i++) {
            for (int j = i + 1; j < rarest.size(); j++) {
                Term a = rarest.get(i);
                Term b = rarest.get(j);
                long pairAtMost = Math.min(a.chunks(), b.chunks());
                if (!alone.contains(a) && !alone.contains(b) && estimate + pairAtMost <= budget) {
                    clauses.add("(" + a.query() + " & " + b.query() + ")");
                    estimate += pairAtMost;
                }
            }
        }
        if (clauses.isEmpty()) {
            return String.join(" & ", terms.stream().map(Term::query).toList());
        }
        return String.join(" | ", clauses);
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
