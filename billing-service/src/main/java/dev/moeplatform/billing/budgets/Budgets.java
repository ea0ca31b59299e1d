package dev.moeplatform.billing.budgets;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** Budgets and the alerts they fired. */
@Repository
class Budgets {

    private static final String COLUMNS = "id, tenant, team, monthly_usd, thresholds, webhook_url";

    /** A threshold that fired, for the record and the API. */
    record Alert(long budgetId, String tenant, String team, String period, int threshold, BigDecimal spentUsd,
            BigDecimal limitUsd, java.time.Instant firedAt) {
    }

    private final JdbcTemplate jdbc;

    Budgets(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    List<Budget> all() {
        return jdbc.query("SELECT " + COLUMNS + " FROM budget ORDER BY tenant, team NULLS FIRST", Budgets::budget);
    }

    List<Budget> ofTenant(String tenant) {
        return jdbc.query("SELECT " + COLUMNS + " FROM budget WHERE tenant = ? ORDER BY team NULLS FIRST",
                Budgets::budget, tenant);
    }

    Optional<Budget> byId(long id) {
        return jdbc.query("SELECT " + COLUMNS + " FROM budget WHERE id = ?", Budgets::budget, id).stream().findFirst();
    }

    /** Creates or replaces the budget of the scope (tenant, team). */
    Budget save(String tenant, String team, BigDecimal monthlyUsd, List<Integer> thresholds, String webhookUrl) {
        Long id = jdbc.queryForObject("""
                INSERT INTO budget (tenant, team, monthly_usd, thresholds, webhook_url) VALUES (?, ?, ?, ?::integer[], ?)
                ON CONFLICT (tenant, coalesce(team, '')) DO UPDATE SET monthly_usd = excluded.monthly_usd,
                    thresholds = excluded.thresholds, webhook_url = excluded.webhook_url, updated_at = now()
                RETURNING id""", Long.class, tenant, team, monthlyUsd,
                "{" + String.join(",", thresholds.stream().map(String::valueOf).toList()) + "}", webhookUrl);
        return byId(id).orElseThrow();
    }

    boolean delete(long id) {
        return jdbc.update("DELETE FROM budget WHERE id = ?", id) > 0;
    }

    /** Records a threshold crossing; false if it already fired this period (the "once"). */
    boolean recordAlert(Budget budget, java.time.LocalDate period, int threshold, BigDecimal spent) {
        return jdbc.update("""
                INSERT INTO budget_alert (budget_id, period, threshold, spent_usd, limit_usd) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING""", budget.id(), period, threshold, spent, budget.monthlyUsd()) == 1;
    }

    List<Alert> alerts(String tenant) {
        return jdbc.query("""
                SELECT a.budget_id, b.tenant, b.team, to_char(a.period, 'YYYY-MM') AS period, a.threshold,
                       a.spent_usd, a.limit_usd, a.fired_at
                FROM budget_alert a JOIN budget b ON b.id = a.budget_id
                WHERE (?::text IS NULL OR b.tenant = ?)
                ORDER BY a.fired_at, a.budget_id, a.threshold""", (row, n) -> new Alert(row.getLong("budget_id"),
                row.getString("tenant"), row.getString("team"), row.getString("period"), row.getInt("threshold"),
                row.getBigDecimal("spent_usd"), row.getBigDecimal("limit_usd"),
                row.getTimestamp("fired_at").toInstant()), tenant, tenant);
    }

    private static Budget budget(ResultSet row, int n) throws SQLException {
        Array thresholds = row.getArray("thresholds");
        Integer[] values = (Integer[]) thresholds.getArray();
        return new Budget(row.getLong("id"), row.getString("tenant"), row.getString("team"),
                row.getBigDecimal("monthly_usd"), Arrays.asList(values), row.getString("webhook_url"));
    }
}
