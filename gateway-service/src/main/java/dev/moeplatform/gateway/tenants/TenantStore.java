package dev.moeplatform.gateway.tenants;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** Tenants and teams in PostgreSQL. Blocking: callers on the event loop wrap calls in {@code Blocking}. */
@Repository
public class TenantStore {

    private final JdbcTemplate jdbc;

    TenantStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** @return false if the id is taken */
    public boolean create(String id, String name, Integer rpmLimit, Long tpmLimit) {
        try {
            jdbc.update("INSERT INTO tenant (id, name, rpm_limit, tpm_limit) VALUES (?, ?, ?, ?)", id, name, rpmLimit,
                    tpmLimit);
            return true;
        } catch (DuplicateKeyException taken) {
            return false;
        }
    }

    public List<Tenant> all() {
        return jdbc.query("SELECT id, name, rpm_limit, tpm_limit, created_at FROM tenant ORDER BY id",
                TenantStore::tenant);
    }

    public Optional<Tenant> find(String id) {
        return jdbc.query("SELECT id, name, rpm_limit, tpm_limit, created_at FROM tenant WHERE id = ?",
                TenantStore::tenant, id).stream().findFirst();
    }

    /** Changes the given fields; a null leaves a field as it is. */
    public boolean update(String id, String name, Integer rpmLimit, Long tpmLimit) {
        return jdbc.update("UPDATE tenant SET name = coalesce(?, name), rpm_limit = coalesce(?, rpm_limit), "
                + "tpm_limit = coalesce(?, tpm_limit) WHERE id = ?", name, rpmLimit, tpmLimit, id) == 1;
    }

    public boolean createTeam(String tenant, String id, String name) {
        try {
            jdbc.update("INSERT INTO team (tenant, id, name) VALUES (?, ?, ?)", tenant, id, name);
            return true;
        } catch (DuplicateKeyException taken) {
            return false;
        }
    }

    public List<Team> teams(String tenant) {
        return jdbc.query("SELECT tenant, id, name, created_at FROM team WHERE tenant = ? ORDER BY id",
                (row, n) -> new Team(row.getString("tenant"), row.getString("id"), row.getString("name"),
                        row.getTimestamp("created_at").toInstant()), tenant);
    }

    public boolean teamExists(String tenant, String team) {
        return Boolean.TRUE.equals(jdbc.queryForObject(
                "SELECT EXISTS (SELECT 1 FROM team WHERE tenant = ? AND id = ?)", Boolean.class, tenant, team));
    }

    private static Tenant tenant(ResultSet row, int n) throws SQLException {
        return new Tenant(row.getString("id"), row.getString("name"), (Integer) row.getObject("rpm_limit"),
                (Long) row.getObject("tpm_limit"), row.getTimestamp("created_at").toInstant());
    }
}
