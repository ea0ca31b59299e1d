package dev.moeplatform.rag.retrieval;

import com.pgvector.PGvector;
import dev.moeplatform.rag.MiniLm;
import dev.moeplatform.rag.ModelServer;
import dev.moeplatform.rag.RagFixture;
import dev.moeplatform.rag.RagProperties;
import dev.moeplatform.rag.RagServiceApplication;
import dev.moeplatform.rag.RagTestContext;
import dev.moeplatform.testing.Http;
import dev.moeplatform.testing.TestInfrastructure;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.springframework.ai.document.Document;
import org.springframework.ai.embedding.Embedding;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.ai.vectorstore.pgvector.PgVectorStore;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * rag-service's evaluation and benchmark ({@code scripts/platform bench-rag}; never part of the tests):
 * <ol>
 * <li>retrieval quality on the SQLite documentation corpus of {@code eval/}: hit@1, hit@5 and MRR@10 of vector,
 * keyword and hybrid search over the service's HTTP API;</li>
 * <li>ingestion throughput: the corpus ingested through the API, chunks embedded by all-MiniLM-L6-v2;</li>
 * <li>retrieval latency p50/p99 at 10,000 and 100,000 chunks of one tenant's collection (synthetic chunks, each a
 * variant of a corpus chunk: its embedding mixed with another's plus noise, most of its words plus some of other
 * chunks), and recall@10 of the
 * HNSW search against exact search, at the service's ef_search and iterative-scan settings. The query embedding is
 * precomputed there, so the figures are the retrieval's own (the model call is timed apart).</li>
 * </ol>
 * Arguments: {@code --sizes 10000,100000} ({@code none}: quality and ingestion only), {@code --passes 5} (timed
 * passes over the questions).
 */
public final class RagBenchmark {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Path EVAL = Path.of("eval");

    record Question(String id, String question, String document, String answer) {
    }

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = List.of(10_000, 100_000);
        int passes = 5;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--sizes" -> sizes = args[i + 1].equals("none") ? List.of()
                        : Arrays.stream(args[i + 1].split(",")).map(Integer::parseInt).toList();
                case "--passes" -> passes = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        TestInfrastructure infra = TestInfrastructure.get();
        // As command-line arguments: they take precedence over application.yaml and the environment.
        ConfigurableApplicationContext app = new SpringApplicationBuilder(RagServiceApplication.class).run(
                "--spring.datasource.url=" + infra.jdbcUrl("rag_bench"),
                "--spring.datasource.username=" + infra.dbUser(), "--spring.datasource.password=" + infra.dbPassword(),
                "--server.port=0", "--platform.identity.secret=" + RagTestContext.IDENTITY_SECRET,
                "--platform.rag.gateway-url=" + ModelServer.get().url(),
                "--platform.rag.synchronous-limit=64MB", "--platform.rag.max-document-size=64MB",
                "--platform.web.max-request-body-size=65MB",
                // Every vector candidate counts in the evaluation (no relevance cut-off in "vector" mode).
                "--platform.rag.min-similarity=-1",
                "--logging.level.root=WARN");
        int status = 0;
        try {
            run(app, sizes, passes);
        } catch (Exception | Error e) {
            e.printStackTrace();
            status = 1;
        } finally {
            app.close();
        }
        System.exit(status); // the in-process model server's threads would keep the JVM alive
    }

    private static void run(ConfigurableApplicationContext app, List<Integer> sizes, int passes) throws Exception {
        RagProperties properties = app.getBean(RagProperties.class);
        String url = "http://127.0.0.1:" + app.getEnvironment().getRequiredProperty("local.server.port");
        JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
        List<Question> questions = Files.readAllLines(EVAL.resolve("questions.jsonl")).stream()
                .filter(l -> !l.isBlank()).map(l -> JSON.readValue(l, Question.class)).toList();
        MiniLm.get(); // loaded before anything is timed

        // 1. Ingestion of the corpus through the API.
        String collection = post(url, "eval", "/v1/rag/collections", "{\"name\":\"sqlite-docs\"}").get("id")
                .asString();
        List<Path> pages;
        try (var files = Files.list(EVAL.resolve("corpus"))) {
            pages = files.filter(p -> p.toString().endsWith(".md")).sorted().toList();
        }
        long bytes = 0;
        int chunks = 0;
        long started = System.nanoTime();
        for (Path page : pages) {
            String content = Files.readString(page);
            bytes += content.length();
            JsonNode added = post(url, "eval", "/v1/rag/collections/" + collection + "/documents",
                    JSON.writeValueAsString(Map.of("id", page.getFileName().toString(), "mediaType", "text/markdown",
                            "content", content)));
            chunks += added.get("document").get("chunkCount").asInt();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("%nIngestion: %d pages, %,d bytes -> %,d chunks in %.1f s = %.1f chunks/s "
                + "(chunking, embedding with all-MiniLM-L6-v2 in batches of %d, storing)%n", pages.size(), bytes,
                chunks, seconds, chunks / seconds, properties.embeddingBatchSize());

        // 2. Retrieval quality.
        System.out.printf("%nRetrieval quality, %d questions over %d chunks (a hit: a passage that contains the "
                + "answer text)%n", questions.size(), chunks);
        System.out.printf("%-8s %7s %7s %7s%n", "mode", "hit@1", "hit@5", "MRR@10");
        for (String mode : List.of("vector", "keyword", "hybrid")) {
            int hit1 = 0;
            int hit5 = 0;
            double reciprocal = 0;
            for (Question q : questions) {
                JsonNode passages = post(url, "eval", "/v1/rag/collections/" + collection + "/search",
                        JSON.writeValueAsString(Map.of("query", q.question(), "mode", mode, "topK", 10)))
                        .get("passages");
                int rank = rankOfAnswer(passages, q);
                hit1 += rank == 1 ? 1 : 0;
                hit5 += rank >= 1 && rank <= 5 ? 1 : 0;
                reciprocal += rank >= 1 ? 1.0 / rank : 0;
            }
            System.out.printf("%-8s %7.3f %7.3f %7.3f%n", mode, hit1 / (double) questions.size(),
                    hit5 / (double) questions.size(), reciprocal / questions.size());
        }

        // 3. Latency and recall at size.
        if (sizes.isEmpty()) {
            return;
        }
        latencyAndRecall(jdbc, app.getBean(TransactionTemplate.class), properties, questions, sizes, passes);
    }

    private static int rankOfAnswer(JsonNode passages, Question q) {
        String answer = collapse(q.answer());
        for (int i = 0; i < passages.size(); i++) {
            JsonNode p = passages.get(i);
            if (p.get("documentId").asString().equals(q.document()) && collapse(p.get("text").asString())
                    .contains(answer)) {
                return i + 1;
            }
        }
        return -1;
    }

    private static String collapse(String text) {
        return text.replaceAll("\\s+", " ").strip();
    }

    private static JsonNode post(String url, String tenant, String path, String body) {
        Http.Response response = new Http(url).post(path, "application/json", body, RagFixture.asTenant(tenant));
        if (response.status() >= 300) {
            throw new IllegalStateException(path + ": " + response);
        }
        return response.json();
    }

    /** An embedding model that knows the benchmark's queries already (their vectors are computed up front). */
    record KnownQueries(Map<String, float[]> vectors) implements EmbeddingModel {
        @Override
        public EmbeddingResponse call(EmbeddingRequest request) {
            List<Embedding> out = new ArrayList<>();
            for (String text : request.getInstructions()) {
                out.add(new Embedding(vectors.get(text), out.size()));
            }
            return new EmbeddingResponse(out);
        }

        @Override
        public float[] embed(Document document) {
            return vectors.get(document.getText());
        }

        @Override
        public int dimensions() {
            return 384;
        }
    }

    private static void latencyAndRecall(JdbcTemplate jdbc, TransactionTemplate transactions, RagProperties properties,
            List<Question> questions, List<Integer> sizes, int passes) {
        List<String> texts = questions.stream().map(Question::question).toList();
        List<float[]> queryVectors = MiniLm.get().embed(texts);
        Map<String, float[]> known = new HashMap<>();
        for (int i = 0; i < texts.size(); i++) {
            known.put(texts.get(i), queryVectors.get(i));
        }
        long embedStart = System.nanoTime();
        for (String text : texts) {
            MiniLm.get().embed(List.of(text));
        }
        double embedMs = (System.nanoTime() - embedStart) / 1e6 / texts.size();
        PgVectorStore store = PgVectorStore.builder(jdbc, new KnownQueries(known)).vectorTableName("rag_chunk")
                .schemaName("public").dimensions(384).distanceType(PgVectorStore.PgDistanceType.COSINE_DISTANCE)
                .indexType(PgVectorStore.PgIndexType.HNSW).initializeSchema(false).build();
        HybridRetriever retriever = new HybridRetriever(store, jdbc, properties, new SimpleMeterRegistry());

        // The corpus's own chunks are the cluster centres; their words make the synthetic text.
        List<float[]> centres = jdbc.query("SELECT embedding::text FROM rag_chunk WHERE tenant = 'eval'",
                (rs, row) -> parse(rs.getString(1)));
        List<String[]> centreWords = jdbc.queryForList("SELECT content FROM rag_chunk WHERE tenant = 'eval'",
                String.class).stream().map(t -> t.split("\\s+")).toList();
        String tenant = "bench";
        UUID collection = UUID.randomUUID();
        jdbc.update("INSERT INTO collection (id, tenant, name) VALUES (?, ?, 'synthetic')", collection, tenant);
        jdbc.update("INSERT INTO document (collection_id, id, tenant, title, media_type, size_bytes, content_sha256, "
                + "chunk_count, token_count) VALUES (?, 'synthetic', ?, 'synthetic', 'text/plain', 0, '', 0, 0)",
                collection, tenant);
        Random random = new Random(42);
        int inserted = 0;
        System.out.printf("%nRetrieval at size (tenant-filtered, top-10; ef_search %d, iterative scan %s; HNSW m 24, "
                + "ef_construction 128; query embedding precomputed: all-MiniLM-L6-v2 takes %.1f ms per query here)%n",
                properties.efSearch(), properties.iterativeScan(), embedMs);
        System.out.printf("%9s %12s %10s %10s %10s %10s %10s %10s %10s%n", "chunks", "insert/s", "vec p50",
                "vec p99", "hyb p50", "hyb p99", "kw p50", "kw p99", "recall@10");
        for (int size : sizes) {
            long insertStart = System.nanoTime();
            int added = 0;
            while (inserted < size) {
                List<Object[]> rows = new ArrayList<>();
                for (int i = 0; i < 1000 && inserted < size; i++, inserted++, added++) {
                    // A chunk between two of the corpus's (mostly the first), plus noise.
                    int centre = random.nextInt(centres.size());
                    float[] mixed = centres.get(random.nextInt(centres.size()));
                    double share = 0.5 + 0.5 * random.nextDouble();
                    float[] v = centres.get(centre).clone();
                    double norm = 0;
                    for (int d = 0; d < v.length; d++) {
                        v[d] = (float) (share * v[d] + (1 - share) * mixed[d] + 0.02 * random.nextGaussian());
                        norm += v[d] * v[d];
                    }
                    for (int d = 0; d < v.length; d++) {
                        v[d] = (float) (v[d] / Math.sqrt(norm));
                    }
                    // A variant of the centre's own text: two thirds of its words, and a fifth as many drawn
                    // from other chunks, so that term frequencies stay those of a real collection.
                    StringBuilder text = new StringBuilder();
                    for (String word : centreWords.get(centre)) {
                        if (random.nextInt(3) > 0) {
                            text.append(word).append(' ');
                        }
                        if (random.nextInt(5) == 0) {
                            String[] other = centreWords.get(random.nextInt(centreWords.size()));
                            text.append(other[random.nextInt(other.length)]).append(' ');
                        }
                    }
                    rows.add(new Object[] {UUID.randomUUID(), text.toString(), "{\"tenant\":\"" + tenant
                            + "\",\"collectionId\":\"" + collection + "\",\"documentId\":\"synthetic\","
                            + "\"documentTitle\":\"synthetic\",\"chunkIndex\":" + inserted + ",\"headingPath\":\"\"}",
                            new PGvector(v), tenant, collection, inserted});
                }
                jdbc.batchUpdate("INSERT INTO rag_chunk (id, content, metadata, embedding, tenant, collection_id, "
                        + "document_id, chunk_index) VALUES (?, ?, ?::jsonb, ?, ?, ?, 'synthetic', ?)", rows);
            }
            double insertRate = added / ((System.nanoTime() - insertStart) / 1e9);
            // The term statistics ingestion keeps, computed here for the rows inserted directly.
            jdbc.update("DELETE FROM rag_lexeme_stats WHERE collection_id = ?", collection);
            jdbc.update("INSERT INTO rag_lexeme_stats (collection_id, lexeme, chunks) SELECT ?, u.lexeme, count(*) "
                    + "FROM rag_chunk c, unnest(c.content_tsv) u WHERE c.collection_id = ? GROUP BY u.lexeme",
                    collection, collection);
            jdbc.update("UPDATE collection SET chunk_count = d.chunks, lexeme_count = d.lexemes FROM (SELECT count(*) "
                    + "AS chunks, sum(length(content_tsv)) AS lexemes FROM rag_chunk WHERE collection_id = ?) d "
                    + "WHERE id = ?", collection, collection);
            jdbc.execute("ANALYZE");

            for (int i = 0; i < Math.min(50, texts.size()); i++) { // warm-up
                retriever.search(tenant, collection, texts.get(i), 10, SearchMode.HYBRID);
            }
            List<Double> vector = new ArrayList<>();
            List<Double> hybrid = new ArrayList<>();
            List<Double> keyword = new ArrayList<>();
            for (int pass = 0; pass < passes; pass++) {
                for (String text : texts) {
                    vector.add(time(() -> retriever.search(tenant, collection, text, 10, SearchMode.VECTOR)));
                    hybrid.add(time(() -> retriever.search(tenant, collection, text, 10, SearchMode.HYBRID)));
                    keyword.add(time(() -> retriever.search(tenant, collection, text, 10, SearchMode.KEYWORD)));
                }
            }
            List<List<String>> exact = new ArrayList<>();
            for (float[] vector0 : queryVectors) {
                PGvector q = new PGvector(vector0);
                exact.add(transactions.execute(tx -> {
                    jdbc.execute("SET LOCAL enable_indexscan = off");
                    return jdbc.queryForList("SELECT id::text FROM rag_chunk WHERE tenant = ? AND collection_id = ? "
                            + "ORDER BY embedding <=> ? LIMIT 10", String.class, tenant, collection, q);
                }));
            }
            System.out.printf("%,9d %12.0f %8.2fms %8.2fms %8.2fms %8.2fms %8.2fms %8.2fms %10.3f%n", size,
                    insertRate, percentile(vector, 50), percentile(vector, 99), percentile(hybrid, 50),
                    percentile(hybrid, 99), percentile(keyword, 50), percentile(keyword, 99),
                    recall(retriever, tenant, collection, texts, exact));
            if (size == sizes.getLast()) {
                efSearchSweep(jdbc, known, properties, tenant, collection, texts, exact, passes);
            }
        }
        System.out.printf("(%d timed queries per mode and size; the table also holds the %d corpus chunks of another "
                + "tenant)%n", passes * texts.size(), centres.size());
    }

    /** Mean recall@10 of the HNSW search against {@code exact}, query by query. */
    private static double recall(HybridRetriever retriever, String tenant, UUID collection, List<String> texts,
            List<List<String>> exact) {
        double recall = 0;
        for (int i = 0; i < texts.size(); i++) {
            Set<String> approximate = new HashSet<>(retriever.vector(tenant, collection, texts.get(i), 10).stream()
                    .map(Passage::chunkId).toList());
            recall += exact.get(i).stream().filter(approximate::contains).count() / 10.0;
        }
        return recall / texts.size();
    }

    /** Vector search latency and recall@10 at other ef_search values, on one connection set up for each. */
    private static void efSearchSweep(JdbcTemplate pooled, Map<String, float[]> known, RagProperties properties,
            String tenant, UUID collection, List<String> texts, List<List<String>> exact, int passes) {
        var pool = (com.zaxxer.hikari.HikariDataSource) pooled.getDataSource();
        System.out.printf("%nVector search by ef_search at this size (%s):%n%10s %10s %10s %10s%n",
                properties.iterativeScan(), "ef_search", "p50", "p99", "recall@10");
        for (int ef : List.of(40, 100, 200, 400)) {
            var connection = new org.springframework.jdbc.datasource.SingleConnectionDataSource(pool.getJdbcUrl(),
                    pool.getUsername(), pool.getPassword(), true);
            try {
                JdbcTemplate jdbc = new JdbcTemplate(connection);
                jdbc.execute("SET hnsw.ef_search = " + ef + "; SET hnsw.iterative_scan = " + properties.iterativeScan()
                        + "; SET hnsw.max_scan_tuples = " + properties.maxScanTuples());
                PgVectorStore store = PgVectorStore.builder(jdbc, new KnownQueries(known)).vectorTableName("rag_chunk")
                        .schemaName("public").dimensions(384)
                        .distanceType(PgVectorStore.PgDistanceType.COSINE_DISTANCE)
                        .indexType(PgVectorStore.PgIndexType.HNSW).initializeSchema(false).build();
                HybridRetriever retriever = new HybridRetriever(store, jdbc, properties, new SimpleMeterRegistry());
                List<Double> latencies = new ArrayList<>();
                for (int pass = 0; pass < passes; pass++) {
                    for (String text : texts) {
                        latencies.add(time(() -> retriever.search(tenant, collection, text, 10, SearchMode.VECTOR)));
                    }
                }
                System.out.printf("%10d %8.2fms %8.2fms %10.3f%n", ef, percentile(latencies, 50),
                        percentile(latencies, 99), recall(retriever, tenant, collection, texts, exact));
            } finally {
                connection.destroy();
            }
        }
    }

    private static double time(Runnable query) {
        long start = System.nanoTime();
        query.run();
        return (System.nanoTime() - start) / 1e6;
    }

    private static double percentile(List<Double> values, int p) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static float[] parse(String vector) {
        String[] parts = vector.substring(1, vector.length() - 1).split(",");
        float[] v = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            v[i] = Float.parseFloat(parts[i]);
        }
        return v;
    }
}
