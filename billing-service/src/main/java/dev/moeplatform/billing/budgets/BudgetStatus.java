package dev.moeplatform.billing.budgets;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigDecimal;
import java.util.List;

/**
 * A budget's state in the current month. {@code remainingUsd} is what the gateway reserves requests against; it is
 * never negative (an overrun shows as {@code usedPercent} above 100).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BudgetStatus(long budgetId, String tenant, String team, String period, BigDecimal limitUsd,
        BigDecimal spentUsd, BigDecimal remainingUsd, BigDecimal usedPercent, List<Integer> thresholdsReached) {
}
