package dev.moeplatform.billing.reports;

import dev.moeplatform.billing.Money;
import java.util.ArrayList;
import java.util.List;

/**
 * The usage report as RFC 4180 CSV for chargeback: a header row, one row per group, amounts in USD with 6 decimals.
 * Text cells that a spreadsheet would run as a formula are prefixed with an apostrophe.
 */
final class UsageCsv {

    private UsageCsv() {
    }

    static String write(String tenant, ReportPeriod period, List<Dimension> dimensions, String referenceModel,
            List<UsageReports.Row> rows) {
        StringBuilder csv = new StringBuilder();
        List<String> header = new ArrayList<>(List.of("tenant", "period_from", "period_to"));
        dimensions.stream().filter(d -> d != Dimension.TENANT).forEach(d -> header.add(d.label()));
        header.addAll(List.of("requests", "prompt_tokens", "completion_tokens", "cached_tokens", "cost_usd",
                "reference_model", "reference_cost_usd", "unpriced_requests"));
        line(csv, header);
        for (UsageReports.Row row : rows) {
            List<String> cells = new ArrayList<>();
            cells.add(tenant != null ? tenant : row.group().getOrDefault("tenant", ""));
            cells.add(period.from().toString());
            cells.add(period.to().toString());
            dimensions.stream().filter(d -> d != Dimension.TENANT).forEach(d -> cells.add(row.group().get(d.label())));
            cells.add(Long.toString(row.requests()));
            cells.add(Long.toString(row.promptTokens()));
            cells.add(Long.toString(row.completionTokens()));
            cells.add(Long.toString(row.cachedTokens()));
            cells.add(Money.amount(row.cost()).toPlainString());
            cells.add(referenceModel == null ? "(each tenant's)" : referenceModel);
            cells.add(Money.amount(row.referenceCost()).toPlainString());
            cells.add(Long.toString(row.unpricedRequests()));
            line(csv, cells);
        }
        return csv.toString();
    }

    private static void line(StringBuilder csv, List<String> cells) {
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                csv.append(',');
            }
            csv.append(cell(cells.get(i)));
        }
        csv.append("\r\n");
    }

    static String cell(String value) {
        if (value == null) {
            return "";
        }
        String text = !value.isEmpty() && "=+-@".indexOf(value.charAt(0)) >= 0 && !value.matches("-?[0-9.]+")
                ? "'" + value : value;
        if (text.contains(",") || text.contains("\"") || text.contains("\n") || text.contains("\r")) {
            return '"' + text.replace("\"", "\"\"") + '"';
        }
        return text;
    }
}
