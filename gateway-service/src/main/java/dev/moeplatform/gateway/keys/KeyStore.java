package dev.moeplatform.gateway.keys;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** API keys in PostgreSQL. Blocking: the event loop reaches it through {@link KeyCache} or {@code Blocking}. */
@Repository
public class KeyStore {

    private static final String SELECT = """
            SELECT k.id, k.secret_sha256, k.tenant, k.team, k.name, k.allowed_models, k.expires_at, k.revoked_at,
                   k.rpm_limit, k.tpm_limit, k.monthly_budget_usd, k.created_at,
                   t.rpm_limit AS tenant_rpm_limit, t.tpm_limit AS tenant_tpm_limit
            FROM api_key k JOIN tenant t ON t.id = k.tenant
            """;

    private final JdbcTemplate jdbc;

    KeyStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    Optional<ApiKey> find(String id) {
        return jdbc.query(SELECT + " WHERE k.id = ?", KeyStore::key, id).stream().findFirst();
    }

    public List<ApiKey> list(String tenant, String team) {
        return jdbc.query(SELECT + " WHERE (?::text IS NULL OR k.tenant = ?) AND (?::text IS NULL OR k.team = ?) "
                + "ORDER BY k.tenant, k.team, k.created_at", KeyStore::key, tenant, tenant, team, team);
    }

    void insert(String id, byte[] sha256, String tenant, String team, String name, List<String> allowedModels,
            Instant expiresAt, Integer rpmLimit, Long tpmLimit, BigDecimal monthlyBudgetUsd) {
        jdbc.update(connection -> {
            var statement = connection.prepareStatement("""
                    INSERT INTO api_key (id, secret_sha256, tenant, team, name, allowed_models, expires_at,
                                         rpm_limit, tpm_limit, monthly_budget_usd)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""");
            statement.setString(1, id);
            statement.setBytes(2, sha256);
            statement.setString(3, tenant);
            statement.setString(4, team);
            statement.setString(5, name);
            statement.setArray(6, allowedModels == null ? null
                    : connection.createArrayOf("text", allowedModels.toArray()));
            statement.setTimestamp(7, expiresAt == null ? null : Timestamp.from(expiresAt));
            statement.setObject(8, rpmLimit);
            statement.setObject(9, tpmLimit);
            statement.setBigDecimal(10, monthlyBudgetUsd);
            return statement;
        });
    }

    /** @return false when there is no such key; revoking twice keeps the first revocation time */
    boolean revoke(String id) {
        return jdbc.update("UPDATE api_key SET revoked_at = coalesce(revoked_at, now()) WHERE id = ?", id) == 1;
    }

    private static ApiKey key(ResultSet row, int n) throws SQLException {
        Array models = row.getArray("allowed_models");
        Timestamp expires = row.getTimestamp("expires_at");
        Timestamp revoked = row.getTimestamp("revoked_at");
        String id = row.getString("id");
        return new ApiKey(id, ApiKeys.display(id), row.getString("tenant"), row.getString("team"),
                row.getString("name"), models == null ? null : Arrays.asList((String[]) models.getArray()),
                expires == null ? null : expires.toInstant(), revoked == null ? null : revoked.toInstant(),
                (Integer) row.getObject("rpm_limit"), (Long) row.getObject("tpm_limit"),
                row.getBigDecimal("monthly_budget_usd"), row.getTimestamp("created_at").toInstant(),
                (Integer) row.getObject("tenant_rpm_limit"), (Long) row.getObject("tenant_tpm_limit"),
                row.getBytes("secret_sha256"));
    }
}
