package dev.moeplatform.rag.documents;

import static dev.moeplatform.testing.ErrorShapeAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.moeplatform.rag.ModelServer;
import dev.moeplatform.rag.RagFixture;
import dev.moeplatform.rag.RagTest;
import dev.moeplatform.rag.RagTestContext;
import dev.moeplatform.testing.Http;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Ingestion of every format keeps structure (heading paths, positions, pages), re-ingestion replaces or skips,
 * deletion removes, large documents go through a job, and bad input is refused with nothing left behind.
 */
@RagTest
class IngestionTest {

    private static final String MARKDOWN = """
            # Write-Ahead Logging

            The default method by which SQLite implements atomic commit and rollback is a rollback journal.

            ## How WAL Works

            The original content is preserved in the database file and the changes are appended into a separate WAL
            file. A COMMIT occurs when a special record indicating a commit is appended to the WAL.

            ### Checkpointing

            Moving the WAL file transactions back into the database is called a checkpoint.

            ## Activating And Configuring WAL Mode

            - An SQLite database connection defaults to journal_mode=DELETE.
            - To convert to WAL mode, use the following pragma: PRAGMA journal_mode=WAL;
            """;

    @Autowired
    RagFixture rag;
    @Autowired
    org.springframework.jdbc.core.JdbcTemplate jdbc;
    String tenant;
    String collection;

    @BeforeEach
    void collection() {
        tenant = RagFixture.newTenant();
        collection = rag.collection(tenant);
    }

    private List<JsonNode> chunks(String document) {
        Http.Response response = rag.as(tenant).get(path("/documents/" + document + "/chunks"));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json().get("data").valueStream().toList();
    }

    private String path(String rest) {
        return "/v1/rag/collections/" + collection + rest;
    }

    @Test
    void markdownChunksKeepTheirHeadingPathAndPosition() {
        Http.Response created = rag.addText(tenant, collection, "wal", "text/markdown", MARKDOWN);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().get("status").asString()).isEqualTo("ingested");
        JsonNode document = created.json().get("document");
        assertThat(document.get("title").asString()).isEqualTo("Write-Ahead Logging");
        assertThat(document.get("mediaType").asString()).isEqualTo("text/markdown");

        List<JsonNode> chunks = chunks("wal");
        assertThat(chunks).hasSize(document.get("chunkCount").asInt()).hasSizeGreaterThanOrEqualTo(4);
        assertThat(chunks.stream().map(c -> c.get("index").asInt()).toList())
                .isEqualTo(java.util.stream.IntStream.range(0, chunks.size()).boxed().toList());
        assertThat(chunks.stream().map(c -> c.get("headingPath").asString()).toList()).containsExactly(
                "Write-Ahead Logging", "Write-Ahead Logging > How WAL Works",
                "Write-Ahead Logging > How WAL Works > Checkpointing",
                "Write-Ahead Logging > Activating And Configuring WAL Mode");
        JsonNode checkpoint = chunks.get(2);
        assertThat(checkpoint.get("text").asString()).startsWith("Write-Ahead Logging > How WAL Works > Checkpointing")
                .contains("is called a checkpoint");
        assertThat(checkpoint.get("tokens").asInt()).isPositive();
        // Every chunk was embedded through the "gateway", on behalf of the tenant that uploaded it.
        assertThat(ModelServer.get().callsFor(tenant)).isNotEmpty()
                .allMatch(c -> c.path().equals("/v1/embeddings") && c.caller().keyId().equals("key_" + tenant));
    }

    @Test
    void longSectionsAreSplitUnderTheTokenLimitWithOverlap() {
        StringBuilder text = new StringBuilder("# Long\n\n");
        for (int i = 0; i < 60; i++) {
            text.append("Sentence number ").append(i).append(" talks about page cache spilling and locking. ");
        }
        assertThat(rag.addText(tenant, collection, "long", "text/markdown", text.toString()).status()).isEqualTo(201);

        List<JsonNode> chunks = chunks("long");
        assertThat(chunks).hasSizeGreaterThan(2);
        assertThat(chunks).allSatisfy(c -> assertThat(c.get("tokens").asInt()).isLessThanOrEqualTo(200));
        for (int i = 1; i < chunks.size(); i++) {
            String previous = chunks.get(i - 1).get("text").asString();
            String lastSentence = previous.substring(previous.lastIndexOf("Sentence number"));
            assertThat(chunks.get(i).get("text").asString()).as("chunk %d repeats the end of chunk %d", i, i - 1)
                    .contains(lastSentence);
        }
    }

    @Test
    void htmlKeepsHeadingsAndDropsNavigation() {
        String html = """
                <html><head><title>Isolation In SQLite</title><script>var x = 1;</script></head><body>
                <nav><a href="/">Home</a> <a href="/docs">Documentation menu</a></nav>
                <h1>Isolation In SQLite</h1>
                <p>The "isolation" property of a database determines when changes made to the database by one
                operation become visible to other concurrent operations.</p>
                <h2>Isolation Between Database Connections</h2>
                <p>If the same database is being read and written using two different database connections, then
                the reader is only able to see complete committed transactions from the writer.</p>
                <footer>Copyright notice</footer></body></html>""";
        Http.Response created = rag.upload(tenant, collection, "isolation.html", "text/html",
                html.getBytes(StandardCharsets.UTF_8), null);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().get("document").get("id").asString()).isEqualTo("isolation.html");
        assertThat(created.json().get("document").get("title").asString()).isEqualTo("Isolation In SQLite");

        List<JsonNode> chunks = chunks("isolation.html");
        assertThat(chunks).extracting(c -> c.get("headingPath").asString()).containsExactly("Isolation In SQLite",
                "Isolation In SQLite > Isolation Between Database Connections");
        String all = chunks.stream().map(c -> c.get("text").asString()).reduce("", String::concat);
        assertThat(all).contains("complete committed transactions").doesNotContain("Documentation menu",
                "var x", "Copyright notice");
    }

    @Test
    void pdfPagesAreReadThroughSpringAisReader() throws Exception {
        Http.Response created = rag.upload(tenant, collection, "manual.pdf", "application/pdf",
                pdf("The busy timeout makes a connection wait for locks.", "Vacuum rebuilds the database file."),
                "manual");
        assertThat(created.status()).as(created.body()).isEqualTo(201);

        List<JsonNode> chunks = chunks("manual");
        assertThat(chunks).hasSize(2);
        assertThat(chunks.get(0).get("page").asInt()).isEqualTo(1);
        assertThat(chunks.get(0).get("text").asString()).contains("busy timeout makes a connection wait");
        assertThat(chunks.get(1).get("page").asInt()).isEqualTo(2);
        assertThat(chunks.get(1).get("text").asString()).contains("Vacuum rebuilds the database file");
    }

    @Test
    void plainTextAndJsonDocumentsAreSplitAtParagraphs() {
        Http.Response text = rag.upload(tenant, collection, "notes.txt", "text/plain",
                "First paragraph about indexes.\n\nSecond paragraph about triggers.".getBytes(StandardCharsets.UTF_8),
                null);
        assertThat(text.status()).as(text.body()).isEqualTo(201);
        assertThat(chunks("notes.txt").getFirst().get("text").asString())
                .isEqualTo("First paragraph about indexes.\n\nSecond paragraph about triggers.");
        assertThat(rag.addText(tenant, collection, "json-doc", "text/plain", "Views are stored queries.").status())
                .isEqualTo(201);
        assertThat(rag.as(tenant).get(path("/documents")).json().get("data").valueStream()
                .map(d -> d.get("id").asString()).toList()).containsExactly("json-doc", "notes.txt");
    }

    @Test
    void reuploadReplacesChangedDocumentsAndSkipsUnchangedOnes() {
        assertThat(rag.addText(tenant, collection, "doc", "text/plain", "Old text about savepoints.").status())
                .isEqualTo(201);
        int embeddingCalls = ModelServer.get().callsFor(tenant).size();

        Http.Response same = rag.addText(tenant, collection, "doc", "text/plain", "Old text about savepoints.");
        assertThat(same.status()).isEqualTo(200);
        assertThat(same.json().get("status").asString()).isEqualTo("unchanged");
        assertThat(ModelServer.get().callsFor(tenant)).hasSize(embeddingCalls); // nothing embedded again

        Http.Response changed = rag.addText(tenant, collection, "doc", "text/plain", "New text about vacuum.");
        assertThat(changed.status()).isEqualTo(201);
        assertThat(chunks("doc")).extracting(c -> c.get("text").asString()).containsExactly("New text about vacuum.");
        assertThat(rag.as(tenant).get(path("")).json().get("chunkCount").asInt()).isEqualTo(1);

        assertThat(rag.addText(tenant, collection, "other", "text/plain", "Vacuum and savepoints, again.").status())
                .isEqualTo(201);
        assertTermStatisticsMatchTheChunks();

        assertThat(rag.as(tenant).method("DELETE", path("/documents/doc")).status()).isEqualTo(204);
        assertProblem(rag.as(tenant).get(path("/documents/doc")), 404);
        assertThat(rag.as(tenant).get(path("")).json().get("chunkCount").asInt()).isEqualTo(1);
        assertTermStatisticsMatchTheChunks();
        assertThat(rag.as(tenant).method("DELETE", path("/documents/other")).status()).isEqualTo(204);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM rag_lexeme_stats WHERE collection_id = ?::uuid",
                Long.class, collection)).isZero();
    }

    /** The keyword ranking's statistics, kept up by every write, equal what the chunks hold now. */
    private void assertTermStatisticsMatchTheChunks() {
        String recomputed = "SELECT u.lexeme, count(*)::int AS chunks FROM rag_chunk c, unnest(c.content_tsv) u "
                + "WHERE c.collection_id = ?::uuid GROUP BY u.lexeme ORDER BY u.lexeme";
        String kept = "SELECT lexeme, chunks FROM rag_lexeme_stats WHERE collection_id = ?::uuid ORDER BY lexeme";
        assertThat(jdbc.queryForList(kept, collection)).isEqualTo(jdbc.queryForList(recomputed, collection))
                .isNotEmpty();
        assertThat(jdbc.queryForMap("SELECT chunk_count, lexeme_count FROM collection WHERE id = ?::uuid", collection)
                .values().stream().map(v -> ((Number) v).longValue()).toList())
                .isEqualTo(jdbc.queryForMap("SELECT count(*), coalesce(sum(length(content_tsv)), 0) FROM rag_chunk "
                        + "WHERE collection_id = ?::uuid", collection).values().stream()
                        .map(v -> ((Number) v).longValue()).toList());
    }

    @Test
    void largeDocumentsAreIngestedByAJob() {
        StringBuilder text = new StringBuilder();
        while (text.length() <= RagTestContext.SYNCHRONOUS_LIMIT_BYTES) {
            text.append("Paragraph ").append(text.length()).append(" explains how the query planner uses indexes.\n\n");
        }
        Http.Response accepted = rag.addText(tenant, collection, "big", "text/plain", text.toString());
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
        String job = accepted.json().get("job").get("id").asString();
        assertThat(accepted.header("Location")).isEqualTo(path("/jobs/" + job));

        await().atMost(Duration.ofSeconds(60)).until(() -> !List.of("queued", "running")
                .contains(rag.as(tenant).get(path("/jobs/" + job)).json().get("status").asString()));
        JsonNode done = rag.as(tenant).get(path("/jobs/" + job)).json();
        assertThat(done.get("status").asString()).as(done.toString()).isEqualTo("succeeded");
        assertThat(done.get("chunkCount").asInt()).isEqualTo(chunks("big").size()).isGreaterThan(10);
    }

    @Test
    void badInputIsRefusedWithTheReason() {
        assertThat(assertProblem(rag.upload(tenant, collection, "photo.png", "image/png", new byte[] {1, 2, 3}, null),
                415).get("detail").asString()).contains("image/png", "text/markdown", "application/pdf");
        assertThat(assertProblem(rag.upload(tenant, collection, "broken.pdf", "application/pdf",
                "%PDF-1.7 this is not really a PDF".getBytes(StandardCharsets.UTF_8), null), 422)
                .get("detail").asString()).startsWith("The PDF could not be read");
        byte[] tooLarge = new byte[(int) RagTestContext.MAX_DOCUMENT_BYTES + 1];
        java.util.Arrays.fill(tooLarge, (byte) 'a');
        assertThat(assertProblem(rag.upload(tenant, collection, "large.txt", "text/plain", tooLarge, null), 413)
                .get("detail").asString()).contains(Long.toString(RagTestContext.MAX_DOCUMENT_BYTES));
        assertProblem(rag.upload(tenant, collection, "empty.txt", "text/plain", new byte[0], null), 400);
        assertThat(assertProblem(rag.addText(tenant, collection, "blank", "text/markdown", "\n  \n# \n"), 400)
                .get("detail").asString()).contains("no text");
        assertProblem(rag.addText(tenant, collection, "bad id/with slash", "text/plain", "x"), 400);
        assertProblem(rag.as(tenant).post(path("/documents"), "application/json", "{\"id\":\"x\"}"), 400);

        assertThat(rag.as(tenant).get(path("/documents")).json().get("data")).isEmpty();
        assertThat(rag.as(tenant).get(path("")).json().get("chunkCount").asInt()).isZero();
    }

    @Test
    void aFailedIngestionLeavesThePreviousVersionWhole() {
        assertThat(rag.addText(tenant, collection, "doc", "text/plain", "Version one.").status()).isEqualTo(201);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 80; i++) { // a chunk per section, more than one embeddings batch: the first succeeds
            text.append("## Part ").append(i).append("\n\nParagraph ").append(i).append(" of version two.\n\n");
        }
        text.append(ModelServer.FAIL_MARKER);
        Http.Response failed = rag.addText(tenant, collection, "doc", "text/markdown", text.toString());
        assertThat(failed.status()).as(failed.body()).isEqualTo(502);
        assertThat(failed.json().get("detail").asString()).contains("embeddings");

        assertThat(chunks("doc")).extracting(c -> c.get("text").asString()).containsExactly("Version one.");
        assertThat(rag.as(tenant).get(path("/documents/doc")).json().get("chunkCount").asInt()).isEqualTo(1);
    }

    private static byte[] pdf(String... pages) throws Exception {
        try (PDDocument document = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            for (String text : pages) {
                PDPage page = new PDPage();
                document.addPage(page);
                try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                    content.beginText();
                    content.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 12);
                    content.newLineAtOffset(72, 700);
                    content.showText(text);
                    content.endText();
                }
            }
            document.save(out);
            return out.toByteArray();
        }
    }
}
