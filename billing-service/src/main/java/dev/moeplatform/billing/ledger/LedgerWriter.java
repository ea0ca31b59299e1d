package dev.moeplatform.billing.ledger;

import dev.moeplatform.contracts.usage.UsageEvent;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Writes a batch of usage events to the ledger and the hourly rollup in one statement (hence one transaction):
 * events whose id is already in the ledger are skipped, and only the rows actually inserted are added to the
 * rollup, so a redelivered batch changes nothing.
 */
@Component
class LedgerWriter {

    /**
     * Input as parallel arrays (one round trip per batch); the rollup and the returned per-tenant/model sums read
     * only the rows the INSERT reports as new. Costs in the result are priced at the event's hour for metrics; reports
     * price from the rollup with the same rule.
     */
    private static final String INGEST = """
            WITH input AS (
                SELECT * FROM unnest(?::text[], ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::text[],
                                     ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[],
                                     ?::text[], ?::integer[], ?::bigint[])
                    AS t(event_id, occurred_at, tenant, team, key_id, model, backend, endpoint, prompt_tokens,
                         completion_tokens, cached_tokens, latency_ms, outcome, kafka_partition, kafka_offset)
            ), inserted AS (
                INSERT INTO usage_event (event_id, occurred_at, tenant, team, key_id, model, backend, endpoint,
                                         prompt_tokens, completion_tokens, cached_tokens, latency_ms, outcome,
                                         kafka_partition, kafka_offset)
                SELECT * FROM input
                ON CONFLICT (event_id) DO NOTHING
                RETURNING occurred_at, tenant, team, key_id, model, backend, prompt_tokens, completion_tokens,
                          cached_tokens
            ), rolled_up AS (
                INSERT INTO usage_hourly AS h (bucket, tenant, team, key_id, model, backend, requests, prompt_tokens,
                                               completion_tokens, cached_tokens)
                SELECT utc_hour(occurred_at), tenant, team, key_id, model, backend, count(*), sum(prompt_tokens),
                       sum(completion_tokens), sum(cached_tokens)
                FROM inserted
                GROUP BY 1, 2, 3, 4, 5, 6
                ON CONFLICT (tenant, bucket, team, key_id, model, backend) DO UPDATE
                    SET requests = h.requests + excluded.requests,
                        prompt_tokens = h.prompt_tokens + excluded.prompt_tokens,
                        completion_tokens = h.completion_tokens + excluded.completion_tokens,
                        cached_tokens = h.cached_tokens + excluded.cached_tokens
            )
            SELECT i.tenant, i.team, i.model, count(*) AS requests,
                   sum(i.prompt_tokens) AS prompt_tokens, sum(i.completion_tokens) AS completion_tokens,
                   coalesce(sum(token_cost_usd(i.prompt_tokens, i.cached_tokens, i.completion_tokens, p)), 0) AS cost,
                   coalesce(sum(token_cost_usd(i.prompt_tokens, i.cached_tokens, i.completion_tokens, r)), 0)
                       AS reference_cost
            FROM inserted i
            LEFT JOIN tenant_settings s ON s.tenant = i.tenant
            LEFT JOIN price_version p ON p.model = i.model AND price_in_effect(p, i.occurred_at)
            LEFT JOIN price_version r ON r.model = coalesce(s.reference_model, ?) AND price_in_effect(r, i.occurred_at)
            GROUP BY i.tenant, i.team, i.model
            """;

    /** What one team's calls to one model added to the ledger in a batch (new events only). */
    record Added(String tenant, String team, String model, long requests, long promptTokens, long completionTokens,
            BigDecimal costUsd, BigDecimal referenceCostUsd) {
    }

    private final JdbcTemplate jdbc;

    LedgerWriter(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Inserts the entries (ids must be distinct within the batch); returns what was new, by tenant, team and model. */
    List<Added> write(List<LedgerEntry> entries, String defaultReferenceModel) {
        if (entries.isEmpty()) {
            return List.of();
        }
        return jdbc.execute((Connection connection) -> {
            try (PreparedStatement statement = connection.prepareStatement(INGEST)) {
                int i = 1;
                statement.setArray(i++, texts(connection, entries, e -> e.event().eventId()));
                statement.setArray(i++, connection.createArrayOf("timestamptz", entries.stream()
                        .map(e -> Timestamp.from(e.event().occurredAt())).toArray()));
                statement.setArray(i++, texts(connection, entries, e -> e.event().tenant()));
                statement.setArray(i++, texts(connection, entries, e -> e.event().team()));
                statement.setArray(i++, texts(connection, entries, e -> e.event().keyId()));
                statement.setArray(i++, texts(connection, entries, e -> e.event().model()));
                statement.setArray(i++, texts(connection, entries, e -> e.event().backend()));
                statement.setArray(i++, texts(connection, entries, e -> e.event().endpoint()));
                statement.setArray(i++, longs(connection, entries, UsageEvent::promptTokens));
                statement.setArray(i++, longs(connection, entries, UsageEvent::completionTokens));
                statement.setArray(i++, longs(connection, entries, UsageEvent::cachedTokens));
                statement.setArray(i++, longs(connection, entries, UsageEvent::latencyMs));
                statement.setArray(i++, texts(connection, entries, e -> e.event().outcome()));
                statement.setArray(i++, connection.createArrayOf("integer",
                        entries.stream().map(LedgerEntry::partition).toArray()));
                statement.setArray(i++, connection.createArrayOf("bigint",
                        entries.stream().map(LedgerEntry::offset).toArray()));
                statement.setString(i, defaultReferenceModel);
                List<Added> added = new ArrayList<>();
                try (var rows = statement.executeQuery()) {
                    while (rows.next()) {
                        added.add(new Added(rows.getString("tenant"), rows.getString("team"), rows.getString("model"),
                                rows.getLong("requests"),
                                rows.getLong("prompt_tokens"), rows.getLong("completion_tokens"),
                                rows.getBigDecimal("cost"), rows.getBigDecimal("reference_cost")));
                    }
                }
                return added;
            }
        });
    }

    private static Array texts(Connection connection, List<LedgerEntry> entries, Function<LedgerEntry, String> field)
            throws SQLException {
        return connection.createArrayOf("text", entries.stream().map(field).toArray());
    }

    private static Array longs(Connection connection, List<LedgerEntry> entries,
            java.util.function.ToLongFunction<UsageEvent> field) throws SQLException {
        return connection.createArrayOf("bigint", entries.stream().map(e -> field.applyAsLong(e.event())).toArray());
    }
}
