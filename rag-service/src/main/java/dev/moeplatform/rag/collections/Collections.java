package dev.moeplatform.rag.collections;

import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Collections in PostgreSQL. Every statement names the tenant: a collection of another tenant is indistinguishable
 * from one that does not exist (404), whoever calls.
 */
@Component
public class Collections {

    private static final String SELECT = """
            SELECT c.id, c.tenant, c.name, c.description, c.created_at,
                   (SELECT count(*) FROM document d WHERE d.collection_id = c.id AND d.tenant = c.tenant) AS documents,
                   (SELECT count(*) FROM rag_chunk k WHERE k.collection_id = c.id AND k.tenant = c.tenant) AS chunks
            FROM collection c
            """;

    private final JdbcTemplate jdbc;

    Collections(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    Collection create(String tenant, String name, String description) {
        UUID id = UUID.randomUUID();
        try {
            jdbc.update("INSERT INTO collection (id, tenant, name, description) VALUES (?, ?, ?, ?)", id, tenant, name,
                    description);
        } catch (DuplicateKeyException e) {
            throw new ApiException(new ApiError(409, "A collection named '" + name + "' exists already.", "name",
                    "collection_exists"));
        }
        return require(tenant, id.toString());
    }

    List<Collection> list(String tenant) {
        return jdbc.query(SELECT + " WHERE c.tenant = ? ORDER BY c.created_at, c.id", Collections::map, tenant);
    }

    /** The tenant's collection {@code id}; 404 when it does not exist or belongs to another tenant. */
    public Collection require(String tenant, String id) {
        UUID uuid = parse(id);
        List<Collection> found = uuid == null ? List.of()
                : jdbc.query(SELECT + " WHERE c.tenant = ? AND c.id = ?", Collections::map, tenant, uuid);
        if (found.isEmpty()) {
            throw notFound(id);
        }
        return found.getFirst();
    }

    /** Deletes the collection with its documents, chunks and jobs (foreign keys cascade, in one statement). */
    void delete(String tenant, String id) {
        UUID uuid = parse(id);
        if (uuid == null || jdbc.update("DELETE FROM collection WHERE tenant = ? AND id = ?", tenant, uuid) == 0) {
            throw notFound(id);
        }
    }

    private static UUID parse(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static ApiException notFound(String id) {
        return new ApiException(new ApiError(404, "No collection '" + id + "' exists for this tenant.", "collection",
                "collection_not_found"));
    }

    private static Collection map(ResultSet rs, int row) throws SQLException {
        return new Collection(rs.getObject("id", UUID.class), rs.getString("tenant"), rs.getString("name"),
                rs.getString("description"), rs.getTimestamp("created_at").toInstant(), rs.getLong("documents"),
                rs.getLong("chunks"));
    }
}
