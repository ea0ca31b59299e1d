package dev.moeplatform.billing.budgets;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigDecimal;
import java.util.List;

/**
 * A monthly (UTC calendar month) spending limit for a whole tenant ({@code team} null) or one of its teams.
 *
 * @param thresholds percentages of the limit that raise an alert, each once per month
 * @param webhookUrl where this budget's alerts go instead of the service-wide webhook, if set
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Budget(long id, String tenant, String team, BigDecimal monthlyUsd, List<Integer> thresholds,
        String webhookUrl) {

    /** The label value of a tenant-wide budget in metrics. */
    public static final String WHOLE_TENANT = "*";

    String teamLabel() {
        return team == null ? WHOLE_TENANT : team;
    }
}
