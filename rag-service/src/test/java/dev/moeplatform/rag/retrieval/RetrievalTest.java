package dev.moeplatform.rag.retrieval;

import static org.assertj.core.api.Assertions.assertThat;

import com.pgvector.PGvector;
import dev.moeplatform.contracts.identity.PlatformIdentity;
import dev.moeplatform.rag.MiniLm;
import dev.moeplatform.rag.RagFixture;
import dev.moeplatform.rag.RagTest;
import dev.moeplatform.rag.models.Callers;
import dev.moeplatform.testing.Http;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import tools.jackson.databind.JsonNode;

/**
 * Vector, keyword and hybrid retrieval over real documents (pages of the SQLite documentation from the evaluation
 * corpus, embedded by all-MiniLM-L6-v2), and the completeness of a tenant-filtered top-k.
 */
@RagTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RetrievalTest {

    @Autowired
    RagFixture rag;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    HybridRetriever retriever;
    String tenant;
    String collection;

    @BeforeAll
    void ingestCorpusPages() throws Exception {
        tenant = RagFixture.newTenant();
        collection = rag.collection(tenant);
        for (String page : List.of("autoinc.md", "partialindex.md", "lang_transaction.md")) {
            Http.Response added = rag.addText(tenant, collection, page, "text/markdown",
                    Files.readString(Path.of("eval/corpus", page)));
            assertThat(added.status()).as(added.body()).isEqualTo(201);
        }
    }

    private List<JsonNode> search(String query, String mode, int topK) {
        Http.Response found = rag.as(tenant).post("/v1/rag/collections/" + collection + "/search", "application/json",
                "{\"query\":\"" + query + "\",\"mode\":\"" + mode + "\",\"topK\":" + topK + "}");
        assertThat(found.status()).as(found.body()).isEqualTo(200);
        return found.json().get("passages").valueStream().toList();
    }

    @Test
    void keywordSearchFindsExactTerms() {
        List<JsonNode> passages = search("AUTOINCREMENT keyword overhead", "keyword", 5);

        assertThat(passages).isNotEmpty();
        assertThat(passages.getFirst().get("documentId").asString()).isEqualTo("autoinc.md");
        assertThat(passages).allSatisfy(p -> {
            assertThat(p.get("keywordRank").isNull()).isFalse();
            assertThat(p.get("vectorRank").isNull()).isTrue();
        });
    }

    @Test
    void vectorSearchFindsParaphrases() {
        List<JsonNode> passages = search("Can an index cover only some of the rows of a table?", "vector", 3);

        assertThat(passages).hasSize(3);
        assertThat(passages.getFirst().get("documentId").asString()).isEqualTo("partialindex.md");
        assertThat(passages.stream().map(p -> p.get("similarity").asDouble()).toList())
                .isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(passages.getFirst().get("text").asString()).isNotBlank();
        assertThat(passages.getFirst().get("headingPath").asString()).startsWith("Partial Indexes");
    }

    @Test
    void hybridFusesBothRankingsByReciprocalRank() {
        List<JsonNode> passages = search("What happens to a ROLLBACK when no transaction is active?", "hybrid", 5);

        assertThat(passages).hasSize(5);
        assertThat(passages.getFirst().get("documentId").asString()).isEqualTo("lang_transaction.md");
        for (JsonNode p : passages) {
            double expected = (p.get("vectorRank").isNull() ? 0 : 1.0 / (60 + p.get("vectorRank").asInt()))
                    + (p.get("keywordRank").isNull() ? 0 : 1.0 / (60 + p.get("keywordRank").asInt()));
            assertThat(p.get("score").asDouble()).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-12));
        }
        assertThat(passages).anySatisfy(p -> {
            assertThat(p.get("vectorRank").isNull()).isFalse();
            assertThat(p.get("keywordRank").isNull()).isFalse();
        });
        assertThat(passages.stream().map(p -> p.get("score").asDouble()).toList())
                .isSortedAccordingTo(java.util.Comparator.reverseOrder());
    }

    /**
     * A tenant whose chunks are few among many close neighbours of another tenant: HNSW's candidate list (ef_search)
     * fills with the other tenant's rows, the filter drops them all, and without pgvector's iterative scans the
     * search returns fewer than k. With the settings rag-service gives every connection it returns all k.
     */
    @Test
    void aTenantFilteredTopKIsComplete() {
        String query = "how does a database release its locks after a commit";
        float[] q = MiniLm.get().embed(List.of(query)).getFirst();
        String crowd = RagFixture.newTenant();
        String small = RagFixture.newTenant();
        UUID crowdCollection = collectionRow(crowd);
        UUID smallCollection = collectionRow(small);
        Random random = new Random(7);
        insertChunks(crowd, crowdCollection, 3000, q, 0.02, random);
        insertChunks(small, smallCollection, 12, q, 0.06, random);

        PlatformIdentity caller = new PlatformIdentity(small, "team", "key_" + small, "r", PlatformIdentity.Role.TENANT);
        List<Passage> complete = Callers.callAs(caller, () -> retriever.vector(small, smallCollection, query, 10));
        assertThat(complete).hasSize(10).allSatisfy(p -> assertThat(p.documentId()).isEqualTo("synthetic"));

        // The same query on a connection with Spring AI's and pgvector's defaults (no iterative scan).
        SingleConnectionDataSource plain = new SingleConnectionDataSource(
                ((com.zaxxer.hikari.HikariDataSource) jdbc.getDataSource()).getJdbcUrl(),
                ((com.zaxxer.hikari.HikariDataSource) jdbc.getDataSource()).getUsername(),
                ((com.zaxxer.hikari.HikariDataSource) jdbc.getDataSource()).getPassword(), true);
        try {
            JdbcTemplate defaults = new JdbcTemplate(plain);
            defaults.execute("SET hnsw.iterative_scan = off");
            List<String> found = defaults.queryForList("SELECT id FROM rag_chunk WHERE embedding <=> ? < 1 AND "
                    + "metadata::jsonb @@ '$.tenant == \"" + small + "\"'::jsonpath ORDER BY embedding <=> ? LIMIT 10",
                    String.class, new PGvector(q), new PGvector(q));
            assertThat(found).as("without iterative scans the filtered top-10 is incomplete").hasSizeLessThan(10);
        } finally {
            plain.destroy();
        }
    }

    private UUID collectionRow(String owner) {
        UUID id = UUID.randomUUID();
        jdbc.update("INSERT INTO collection (id, tenant, name) VALUES (?, ?, 'synthetic')", id, owner);
        jdbc.update("INSERT INTO document (collection_id, id, tenant, title, media_type, size_bytes, content_sha256, "
                + "chunk_count, token_count) VALUES (?, 'synthetic', ?, 'synthetic', 'text/plain', 0, '', 0, 0)", id,
                owner);
        return id;
    }

    /** Rows near {@code center} (unit vectors at about {@code spread} of noise per dimension). */
    private void insertChunks(String owner, UUID collection, int count, float[] center, double spread, Random random) {
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            float[] v = new float[center.length];
            double norm = 0;
            for (int d = 0; d < v.length; d++) {
                v[d] = (float) (center[d] + spread * random.nextGaussian());
                norm += v[d] * v[d];
            }
            for (int d = 0; d < v.length; d++) {
                v[d] = (float) (v[d] / Math.sqrt(norm));
            }
            String metadata = "{\"tenant\":\"" + owner + "\",\"collectionId\":\"" + collection
                    + "\",\"documentId\":\"synthetic\",\"documentTitle\":\"synthetic\",\"chunkIndex\":" + i
                    + ",\"headingPath\":\"\"}";
            rows.add(new Object[] {UUID.randomUUID(), "synthetic chunk " + i, metadata, new PGvector(v), owner,
                    collection, i});
        }
        jdbc.batchUpdate("INSERT INTO rag_chunk (id, content, metadata, embedding, tenant, collection_id, document_id, "
                + "chunk_index) VALUES (?, ?, ?::jsonb, ?, ?, ?, 'synthetic', ?)", rows);
    }
}
