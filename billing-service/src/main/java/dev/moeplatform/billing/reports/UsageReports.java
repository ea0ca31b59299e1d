package dev.moeplatform.billing.reports;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * Usage and cost over a period, from the hourly rollup: every hour row is priced with the version of its model in
 * effect in that hour, and with the reference model's version of that hour for the comparison. Amounts are exact
 * decimals; rounding is left to the presentation ({@link dev.moeplatform.billing.Money}).
 */
@Repository
public class UsageReports {

    /** One group's sums. {@code unpricedRequests}: requests to a model with no price in their hour (cost 0). */
    public record Row(Map<String, String> group, long requests, long promptTokens, long completionTokens, long cachedTokens,
            BigDecimal cost, BigDecimal referenceCost, long unpricedRequests) {
    }

    private final JdbcTemplate jdbc;

    UsageReports(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * @param tenant one tenant, or null for all (administrators)
     * @param referenceOverride compare against this model instead of each tenant's own reference model
     */
    public List<Row> aggregate(String tenant, ReportPeriod period, List<Dimension> dimensions, String referenceOverride,
            String defaultReference) {
        String select = dimensions.isEmpty() ? ""
                : dimensions.stream().map(d -> d.sql + " AS " + d.label()).collect(Collectors.joining(", ")) + ", ";
        String groupBy = dimensions.isEmpty() ? ""
                : " GROUP BY " + dimensions.stream().map(d -> d.sql).collect(Collectors.joining(", ")) + " ORDER BY "
                        + dimensions.stream().map(d -> d.sql).collect(Collectors.joining(", "));
        String sql = "SELECT " + select + """
                    coalesce(sum(u.requests), 0) AS requests,
                    coalesce(sum(u.prompt_tokens), 0) AS prompt_tokens,
                    coalesce(sum(u.completion_tokens), 0) AS completion_tokens,
                    coalesce(sum(u.cached_tokens), 0) AS cached_tokens,
                    coalesce(sum(token_cost_usd(u.prompt_tokens, u.cached_tokens, u.completion_tokens, p)), 0) AS cost,
                    coalesce(sum(token_cost_usd(u.prompt_tokens, u.cached_tokens, u.completion_tokens, r)), 0)
                        AS reference_cost,
                    coalesce(sum(u.requests) FILTER (WHERE p.id IS NULL), 0) AS unpriced_requests
                FROM usage_hourly u
                LEFT JOIN tenant_settings s ON s.tenant = u.tenant
                LEFT JOIN price_version p ON p.model = u.model AND price_in_effect(p, u.bucket)
                LEFT JOIN price_version r ON r.model = coalesce(?, s.reference_model, ?)
                                         AND price_in_effect(r, u.bucket)
                WHERE u.bucket >= ? AND u.bucket < ? AND (?::text IS NULL OR u.tenant = ?)
                """ + groupBy;
        return jdbc.query(sql, (row, n) -> {
            Map<String, String> group = new LinkedHashMap<>();
            for (Dimension d : dimensions) {
                group.put(d.label(), row.getString(d.label()));
            }
            return new Row(group, row.getLong("requests"), row.getLong("prompt_tokens"),
                    row.getLong("completion_tokens"), row.getLong("cached_tokens"), row.getBigDecimal("cost"),
                    row.getBigDecimal("reference_cost"), row.getLong("unpriced_requests"));
        }, referenceOverride, defaultReference, Timestamp.from(period.from()), Timestamp.from(period.to()), tenant,
                tenant);
    }

    public static Row total(List<Row> rows) {
        Row sum = new Row(Map.of(), 0, 0, 0, 0, BigDecimal.ZERO, BigDecimal.ZERO, 0);
        for (Row r : rows) {
            sum = new Row(Map.of(), sum.requests + r.requests, sum.promptTokens + r.promptTokens,
                    sum.completionTokens + r.completionTokens, sum.cachedTokens + r.cachedTokens, sum.cost.add(r.cost),
                    sum.referenceCost.add(r.referenceCost), sum.unpricedRequests + r.unpricedRequests);
        }
        return sum;
    }
}
