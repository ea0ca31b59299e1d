package dev.moeplatform.billing.reports;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.moeplatform.billing.Money;
import dev.moeplatform.billing.access.Access;
import dev.moeplatform.billing.prices.PriceBook;
import dev.moeplatform.billing.prices.PriceVersion;
import dev.moeplatform.billing.tenants.TenantSettings;
import dev.moeplatform.contracts.identity.PlatformIdentity;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Usage, cost and savings reports. A tenant's key sees its own tenant only; administrators name a tenant, or omit it
 * for all tenants (usage reports only).
 */
@RestController
@RequestMapping("/v1/billing")
@Tag(name = "reports", description = "Usage, cost and savings per tenant, from the ledger")
class ReportsController {

    private final UsageReports reports;
    private final PriceBook prices;
    private final TenantSettings settings;
    private final Clock clock = Clock.systemUTC();

    ReportsController(UsageReports reports, PriceBook prices, TenantSettings settings) {
        this.reports = reports;
        this.prices = prices;
        this.settings = settings;
    }

    /** Amounts are rounded to micro-dollars here, from exact sums. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record UsageRow(Map<String, String> group, long requests, long promptTokens, long completionTokens,
            long cachedTokens, BigDecimal costUsd, BigDecimal referenceCostUsd, long unpricedRequests) {

        static UsageRow of(UsageReports.Row row) {
            return new UsageRow(row.group().isEmpty() ? null : row.group(), row.requests(), row.promptTokens(),
                    row.completionTokens(), row.cachedTokens(), Money.amount(row.cost()),
                    Money.amount(row.referenceCost()), row.unpricedRequests());
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record UsageReport(String tenant, Instant from, Instant to, List<String> groupBy, String referenceModel,
            List<UsageRow> rows, UsageRow totals) {
    }

    @GetMapping("/usage")
    @Operation(summary = "Usage and cost over a period, grouped by model, team, key, backend, hour, day or month")
    UsageReport usage(PlatformIdentity who, @RequestParam(required = false) String tenant,
            @RequestParam(required = false) String period, @RequestParam(required = false) String from,
            @RequestParam(required = false) String to, @RequestParam(required = false) String groupBy,
            @RequestParam(required = false) String reference) {
        String scoped = Access.tenantFor(who, tenant, true);
        ReportPeriod range = ReportPeriod.parse(period, from, to, clock);
        List<Dimension> dimensions = Dimension.parse(groupBy, scoped == null);
        String referenceModel = referenceModel(scoped, reference);
        List<UsageReports.Row> rows = reports.aggregate(scoped, range, dimensions, reference,
                settings.defaultReferenceModel());
        return new UsageReport(scoped, range.from(), range.to(), dimensions.stream().map(Dimension::label).toList(),
                referenceModel, rows.stream().map(UsageRow::of).toList(), UsageRow.of(UsageReports.total(rows)));
    }

    @GetMapping(path = "/usage.csv", produces = "text/csv")
    @Operation(summary = "The usage report as CSV, for chargeback (one row per group, amounts in USD)")
    ResponseEntity<String> usageCsv(PlatformIdentity who, @RequestParam(required = false) String tenant,
            @RequestParam(required = false) String period, @RequestParam(required = false) String from,
            @RequestParam(required = false) String to, @RequestParam(required = false) String groupBy,
            @RequestParam(required = false) String reference) {
        String scoped = Access.tenantFor(who, tenant, true);
        ReportPeriod range = ReportPeriod.parse(period, from, to, clock);
        List<Dimension> dimensions = Dimension.parse(groupBy == null ? "day,team,key,model" : groupBy,
                scoped == null);
        String referenceModel = referenceModel(scoped, reference);
        List<UsageReports.Row> rows = reports.aggregate(scoped, range, dimensions, reference,
                settings.defaultReferenceModel());
        String file = "usage-" + (scoped == null ? "all-tenants" : scoped) + "-" + range.from().toString()
                .substring(0, 10) + "-to-" + range.to().toString().substring(0, 10) + ".csv";
        return ResponseEntity.ok()
                .contentType(new MediaType("text", "csv", java.nio.charset.StandardCharsets.UTF_8))
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + file.replaceAll("[^\\w.-]", "_")
                        + "\"")
                .body(UsageCsv.write(scoped, range, dimensions, referenceModel, rows));
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ModelSavings(String model, long requests, long promptTokens, long completionTokens, long cachedTokens,
            BigDecimal actualCostUsd, BigDecimal referenceCostUsd, BigDecimal ratio, long unpricedRequests,
            List<PriceVersion> prices) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record TeamSavings(String team, long requests, BigDecimal actualCostUsd, BigDecimal referenceCostUsd,
            BigDecimal ratio) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SavingsReport(String tenant, Instant from, Instant to, String period, String referenceModel,
            long requests, long promptTokens, long completionTokens, long cachedTokens, BigDecimal actualCostUsd,
            BigDecimal referenceCostUsd, BigDecimal savingsUsd, BigDecimal ratio, String summary,
            long unpricedRequests, List<ModelSavings> byModel, List<TeamSavings> byTeam,
            List<PriceVersion> referencePrices) {
    }

    @GetMapping("/savings")
    @Operation(summary = "What the tenant spent, what the same tokens cost at its reference commercial model, and "
            + "the ratio, with every price the figures used")
    SavingsReport savings(PlatformIdentity who, @RequestParam(required = false) String tenant,
            @RequestParam(required = false) String period, @RequestParam(required = false) String from,
            @RequestParam(required = false) String to, @RequestParam(required = false) String reference) {
        String scoped = Access.tenantFor(who, tenant, false);
        ReportPeriod range = ReportPeriod.parse(period, from, to, clock);
        String referenceModel = referenceModel(scoped, reference);
        String defaultReference = settings.defaultReferenceModel();
        List<UsageReports.Row> models = reports.aggregate(scoped, range, List.of(Dimension.MODEL), reference,
                defaultReference);
        List<UsageReports.Row> teams = reports.aggregate(scoped, range, List.of(Dimension.TEAM), reference,
                defaultReference);
        UsageReports.Row total = UsageReports.total(models);
        BigDecimal ratio = Money.ratio(total.referenceCost(), total.cost());
        List<ModelSavings> byModel = models.stream().map(r -> {
            String model = r.group().get("model");
            return new ModelSavings(model, r.requests(), r.promptTokens(), r.completionTokens(), r.cachedTokens(),
                    Money.amount(r.cost()), Money.amount(r.referenceCost()), Money.ratio(r.referenceCost(), r.cost()),
                    r.unpricedRequests(), prices.overlapping(model, range.from(), range.to()));
        }).toList();
        List<TeamSavings> byTeam = teams.stream().map(r -> new TeamSavings(r.group().get("team"), r.requests(),
                Money.amount(r.cost()), Money.amount(r.referenceCost()), Money.ratio(r.referenceCost(), r.cost())))
                .toList();
        String summary = ratio == null
                ? "no priced usage in " + range.label() + " to compare with " + referenceModel
                : ratio.toPlainString() + "x cheaper than " + referenceModel + " in " + range.label();
        return new SavingsReport(scoped, range.from(), range.to(), range.label(), referenceModel, total.requests(),
                total.promptTokens(), total.completionTokens(), total.cachedTokens(), Money.amount(total.cost()),
                Money.amount(total.referenceCost()), Money.amount(total.referenceCost().subtract(total.cost())), ratio,
                summary, total.unpricedRequests(), byModel, byTeam,
                prices.overlapping(referenceModel, range.from(), range.to()));
    }

    /** The reference model a report compares with: the one asked for (must be a reference), or the tenant's. */
    private String referenceModel(String tenant, String requested) {
        if (requested != null) {
            if (!prices.isReferenceModel(requested)) {
                throw new ApiException(new ApiError(400, "'" + requested + "' is not a reference model in the price "
                        + "book; see GET /v1/billing/prices", "reference", "unknown_reference_model"));
            }
            return requested;
        }
        return tenant == null ? null : settings.referenceModel(tenant);
    }
}
