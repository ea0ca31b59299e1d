package dev.moeplatform.rag.documents;

import com.pgvector.PGvector;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Documents and their chunks in PostgreSQL. A document's chunks are replaced in one transaction with its row, so a
 * reader sees the old chunks or the new ones, never a mix or a part; every statement names the tenant.
 */
@Component
class Documents {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String SELECT = "SELECT collection_id, id, title, media_type, size_bytes, content_sha256, "
            + "chunk_count, token_count, created_at, updated_at FROM document";

    /** A chunk as listed: position, heading path, page and text. */
    record StoredChunk(int index, String headingPath, Integer page, int tokens, String text) {
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;

    Documents(JdbcTemplate jdbc, TransactionTemplate transactions) {
        this.jdbc = jdbc;
        this.transactions = transactions;
    }

    Optional<StoredDocument> find(String tenant, UUID collection, String id) {
        return jdbc.query(SELECT + " WHERE tenant = ? AND collection_id = ? AND id = ?", Documents::map, tenant,
                collection, id).stream().findFirst();
    }

    StoredDocument require(String tenant, UUID collection, String id) {
        return find(tenant, collection, id).orElseThrow(() -> new ApiException(new ApiError(404, "No document '" + id
                + "' exists in this collection.", "document", "document_not_found")));
    }

    List<StoredDocument> list(String tenant, UUID collection) {
        return jdbc.query(SELECT + " WHERE tenant = ? AND collection_id = ? ORDER BY id", Documents::map, tenant,
                collection);
    }

    List<StoredChunk> chunks(String tenant, UUID collection, String id) {
        return jdbc.query("""
                SELECT chunk_index, metadata ->> 'headingPath' AS heading_path, (metadata ->> 'page')::int AS page,
                       (metadata ->> 'tokens')::int AS tokens, content
                FROM rag_chunk WHERE tenant = ? AND collection_id = ? AND document_id = ? ORDER BY chunk_index""",
                (rs, row) -> new StoredChunk(rs.getInt("chunk_index"), rs.getString("heading_path"),
                        (Integer) rs.getObject("page"), rs.getInt("tokens"), rs.getString("content")),
                tenant, collection, id);
    }

    void delete(String tenant, UUID collection, String id) {
        boolean deleted = Boolean.TRUE.equals(transactions.execute(tx -> {
            lockCollection(tenant, collection);
            countTerms(tenant, collection, id, -1);
            return jdbc.update("DELETE FROM document WHERE tenant = ? AND collection_id = ? AND id = ?", tenant,
                    collection, id) > 0;
        }));
        if (!deleted) {
            throw new ApiException(new ApiError(404, "No document '" + id + "' exists in this collection.", "document",
                    "document_not_found"));
        }
    }

    /**
     * Writers of one collection take turns (its row lock, until commit): the term statistics they update are shared,
     * and taking turns is simpler and safer than ordering every row lock.
     */
    private void lockCollection(String tenant, UUID collection) {
        jdbc.queryForList("SELECT id FROM collection WHERE id = ? AND tenant = ? FOR UPDATE", collection, tenant);
    }

    /**
     * Adds ({@code sign} 1) or removes (-1) the document's chunks to or from the collection's term statistics: per
     * lexeme the number of chunks containing it, and the chunk and lexeme totals.
     */
    private void countTerms(String tenant, UUID collection, String document, int sign) {
        jdbc.update("""
                INSERT INTO rag_lexeme_stats (collection_id, lexeme, chunks)
                SELECT ?, u.lexeme, ? * count(*)
                FROM rag_chunk c, unnest(c.content_tsv) u
                WHERE c.tenant = ? AND c.collection_id = ? AND c.document_id = ?
                GROUP BY u.lexeme ORDER BY u.lexeme
                ON CONFLICT (collection_id, lexeme) DO UPDATE SET chunks = rag_lexeme_stats.chunks + excluded.chunks""",
                collection, sign, tenant, collection, document);
        if (sign < 0) {
            jdbc.update("DELETE FROM rag_lexeme_stats WHERE collection_id = ? AND chunks <= 0", collection);
        }
        jdbc.update("""
                UPDATE collection SET chunk_count = chunk_count + ? * d.chunks, lexeme_count = lexeme_count + ? * d.lexemes
                FROM (SELECT count(*) AS chunks, coalesce(sum(length(content_tsv)), 0) AS lexemes FROM rag_chunk
                      WHERE tenant = ? AND collection_id = ? AND document_id = ?) d
                WHERE collection.id = ? AND collection.tenant = ?""",
                sign, sign, tenant, collection, document, collection, tenant);
    }

    /**
     * Writes the document row and replaces its chunks, all or nothing. The row is written first, which also locks
     * it: a concurrent upload of the same document waits and then replaces these chunks whole.
     */
    StoredDocument replace(String tenant, UUID collection, String id, String title, String mediaType, long size,
            String sha256, List<Chunker.Chunk> chunks, List<float[]> embeddings) {
        int tokens = chunks.stream().mapToInt(Chunker.Chunk::tokens).sum();
        return transactions.execute(tx -> {
            lockCollection(tenant, collection);
            jdbc.update("""
                    INSERT INTO document (collection_id, id, tenant, title, media_type, size_bytes, content_sha256,
                                          chunk_count, token_count)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (collection_id, id) DO UPDATE SET title = excluded.title,
                        media_type = excluded.media_type, size_bytes = excluded.size_bytes,
                        content_sha256 = excluded.content_sha256, chunk_count = excluded.chunk_count,
                        token_count = excluded.token_count, updated_at = now()
                    WHERE document.tenant = excluded.tenant""",
                    collection, id, tenant, title, mediaType, size, sha256, chunks.size(), tokens);
            countTerms(tenant, collection, id, -1);
            jdbc.update("DELETE FROM rag_chunk WHERE tenant = ? AND collection_id = ? AND document_id = ?", tenant,
                    collection, id);
            jdbc.batchUpdate("""
                    INSERT INTO rag_chunk (id, content, metadata, embedding, tenant, collection_id, document_id,
                                           chunk_index)
                    VALUES (?, ?, ?::jsonb, ?, ?, ?, ?, ?)""", chunks, 500, (ps, chunk) -> {
                ps.setObject(1, UUID.randomUUID());
                ps.setString(2, chunk.text());
                ps.setString(3, metadata(tenant, collection, id, title, chunk));
                ps.setObject(4, new PGvector(embeddings.get(chunk.index())));
                ps.setString(5, tenant);
                ps.setObject(6, collection);
                ps.setString(7, id);
                ps.setInt(8, chunk.index());
            });
            countTerms(tenant, collection, id, 1);
            return require(tenant, collection, id);
        });
    }

    /**
     * The chunk's metadata as Spring AI's vector store returns it with each match; tenant and collection are also
     * what its filter expressions select on.
     */
    private static String metadata(String tenant, UUID collection, String document, String title,
            Chunker.Chunk chunk) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("tenant", tenant);
        metadata.put("collectionId", collection.toString());
        metadata.put("documentId", document);
        metadata.put("documentTitle", title);
        metadata.put("chunkIndex", chunk.index());
        metadata.put("headingPath", String.join(" > ", chunk.headings()));
        if (chunk.page() != null) {
            metadata.put("page", chunk.page());
        }
        metadata.put("tokens", chunk.tokens());
        return JSON.writeValueAsString(metadata);
    }

    private static StoredDocument map(ResultSet rs, int row) throws SQLException {
        return new StoredDocument(rs.getObject("collection_id", UUID.class), rs.getString("id"), rs.getString("title"),
                rs.getString("media_type"), rs.getLong("size_bytes"), rs.getString("content_sha256"),
                rs.getInt("chunk_count"), rs.getInt("token_count"), rs.getTimestamp("created_at").toInstant(),
                rs.getTimestamp("updated_at").toInstant());
    }
}
