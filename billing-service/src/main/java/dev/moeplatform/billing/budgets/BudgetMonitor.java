package dev.moeplatform.billing.budgets;

import dev.moeplatform.billing.BillingProperties;
import dev.moeplatform.billing.Money;
import dev.moeplatform.billing.reports.Dimension;
import dev.moeplatform.billing.reports.ReportPeriod;
import dev.moeplatform.billing.reports.UsageReports;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Compares month-to-date spend (priced from the ledger) with every budget, on a schedule: a threshold crossed for the
 * first time this month is recorded (its primary key makes it once per month, even with several replicas) and, in
 * the same transaction, queued for webhook delivery; the crossing also counts in a metric. The same pass updates the
 * budget-use and savings-ratio gauges.
 */
@Component
public class BudgetMonitor {

    public static final String ALERTS = "platform.billing.budget.alerts";
    public static final String BUDGET_USED = "platform.billing.budget.used";
    public static final String SAVINGS_RATIO = "platform.billing.savings.ratio";

    private static final Logger log = LoggerFactory.getLogger(BudgetMonitor.class);

    private final Budgets budgets;
    private final UsageReports reports;
    private final WebhookOutbox outbox;
    private final TransactionTemplate transactions;
    private final BillingProperties properties;
    private final MeterRegistry registry;
    private final GaugeTable budgetUsed;
    private final GaugeTable savingsRatio;
    private final Clock clock = Clock.systemUTC();

    BudgetMonitor(Budgets budgets, UsageReports reports, WebhookOutbox outbox, TransactionTemplate transactions,
            BillingProperties properties, MeterRegistry registry) {
        this.budgets = budgets;
        this.reports = reports;
        this.outbox = outbox;
        this.transactions = transactions;
        this.properties = properties;
        this.registry = registry;
        this.budgetUsed = new GaugeTable(BUDGET_USED, "Month-to-date spend over the monthly budget (1 = fully used)",
                registry);
        this.savingsRatio = new GaugeTable(SAVINGS_RATIO, "Month-to-date reference cost over actual cost, per tenant",
                registry);
    }

    /** Month-to-date spend per (tenant, team), exact. */
    private record Spend(Map<String, BigDecimal> byTenant, Map<String, BigDecimal> byTeam,
            Map<String, BigDecimal> referenceByTenant) {

        BigDecimal of(Budget budget) {
            return budget.team() == null ? byTenant.getOrDefault(budget.tenant(), BigDecimal.ZERO)
                    : byTeam.getOrDefault(budget.tenant() + "\u0000" + budget.team(), BigDecimal.ZERO);
        }
    }

    private Spend spend(String tenant, ReportPeriod month) {
        List<UsageReports.Row> rows = reports.aggregate(tenant, month, List.of(Dimension.TENANT, Dimension.TEAM), null,
                properties.defaultReferenceModel());
        Map<String, BigDecimal> byTenant = new HashMap<>();
        Map<String, BigDecimal> byTeam = new HashMap<>();
        Map<String, BigDecimal> reference = new HashMap<>();
        for (UsageReports.Row row : rows) {
            String t = row.group().get("tenant");
            byTenant.merge(t, row.cost(), BigDecimal::add);
            reference.merge(t, row.referenceCost(), BigDecimal::add);
            byTeam.put(t + "\u0000" + row.group().get("team"), row.cost());
        }
        return new Spend(byTenant, byTeam, reference);
    }

    /** The current month's status of the tenant's budgets (all tenants' when null), computed now. */
    public List<BudgetStatus> status(String tenant) {
        ReportPeriod month = ReportPeriod.currentMonth(clock);
        Spend spend = spend(tenant, month);
        List<Budget> scope = tenant == null ? budgets.all() : budgets.ofTenant(tenant);
        return scope.stream().map(b -> status(b, spend.of(b), month)).toList();
    }

    private static BudgetStatus status(Budget budget, BigDecimal spent, ReportPeriod month) {
        BigDecimal remaining = budget.monthlyUsd().subtract(spent).max(BigDecimal.ZERO);
        BigDecimal percent = spent.multiply(BigDecimal.valueOf(100)).divide(budget.monthlyUsd(), 2,
                RoundingMode.HALF_EVEN);
        List<Integer> reached = budget.thresholds().stream().filter(t -> percent.compareTo(BigDecimal.valueOf(t)) >= 0)
                .toList();
        return new BudgetStatus(budget.id(), budget.tenant(), budget.team(), month.label(), budget.monthlyUsd(),
                Money.amount(spent), Money.amount(remaining), percent, reached);
    }

    @Scheduled(fixedDelayString = "${platform.billing.budgets.check-interval:10s}",
            initialDelayString = "${platform.billing.budgets.check-interval:10s}")
    public void check() {
        try {
            checkNow();
        } catch (RuntimeException e) {
            log.error("Budget check failed; it runs again at the next interval", e);
        }
    }

    void checkNow() {
        ReportPeriod month = ReportPeriod.currentMonth(clock);
        LocalDate period = LocalDate.ofInstant(month.from(), ZoneOffset.UTC);
        Spend spend = spend(null, month);
        Map<Tags, Double> used = new HashMap<>();
        for (Budget budget : budgets.all()) {
            BudgetStatus status = status(budget, spend.of(budget), month);
            used.put(Tags.of("tenant", budget.tenant(), "team", budget.teamLabel()),
                    status.usedPercent().doubleValue() / 100);
            for (int threshold : status.thresholdsReached()) {
                fire(budget, status, period, threshold, spend.of(budget));
            }
        }
        budgetUsed.refresh(used);
        Map<Tags, Double> ratios = new HashMap<>();
        spend.byTenant().forEach((tenant, cost) -> {
            BigDecimal ratio = Money.ratio(spend.referenceByTenant().get(tenant), cost);
            if (ratio != null) {
                ratios.put(Tags.of("tenant", tenant), ratio.doubleValue());
            }
        });
        savingsRatio.refresh(ratios);
    }

    private void fire(Budget budget, BudgetStatus status, LocalDate period, int threshold, BigDecimal spent) {
        boolean fired = Boolean.TRUE.equals(transactions.execute(tx -> {
            if (!budgets.recordAlert(budget, period, threshold, spent)) {
                return false;
            }
            outbox.enqueue(budget, status, threshold);
            return true;
        }));
        if (fired) {
            log.warn("Budget {} of tenant '{}'{} reached {}% ({} of {} USD in {})", budget.id(), budget.tenant(),
                    budget.team() == null ? "" : " team '" + budget.team() + "'", threshold, status.spentUsd(),
                    budget.monthlyUsd(), status.period());
            Counter.builder(ALERTS).description("Budget thresholds reached (each fires once per budget and month)")
                    .tags("tenant", budget.tenant(), "threshold", Integer.toString(threshold)).register(registry)
                    .increment();
        }
    }
}
