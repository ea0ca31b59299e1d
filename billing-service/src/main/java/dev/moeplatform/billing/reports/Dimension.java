package dev.moeplatform.billing.reports;

import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** What a usage report can be grouped by; each maps to a fixed SQL expression over the hourly rollup. */
public enum Dimension {
    TENANT("u.tenant"),
    TEAM("u.team"),
    KEY("u.key_id"),
    MODEL("u.model"),
    BACKEND("u.backend"),
    HOUR("to_char(u.bucket AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24\":00:00Z\"')"),
    DAY("to_char(u.bucket AT TIME ZONE 'UTC', 'YYYY-MM-DD')"),
    MONTH("to_char(u.bucket AT TIME ZONE 'UTC', 'YYYY-MM')");

    final String sql;

    Dimension(String sql) {
        this.sql = sql;
    }

    String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code groupBy=model,day}: distinct, in the order given; {@code tenant} only for all-tenant reports. */
    static List<Dimension> parse(String groupBy, boolean allTenants) {
        List<Dimension> dimensions = new ArrayList<>();
        if (groupBy == null || groupBy.isBlank()) {
            return dimensions;
        }
        for (String name : groupBy.split(",")) {
            Dimension dimension = Arrays.stream(values()).filter(d -> d.label().equals(name.trim().toLowerCase(
                    Locale.ROOT))).findFirst().orElseThrow(() -> new ApiException(new ApiError(400, "groupBy accepts "
                    + Arrays.stream(values()).map(Dimension::label).toList() + ", not '" + name.trim() + "'",
                    "groupBy", "invalid_value")));
            if (dimension == TENANT && !allTenants) {
                throw new ApiException(new ApiError(400, "groupBy=tenant is for administrators' all-tenant reports",
                        "groupBy", "invalid_value"));
            }
            if (!dimensions.contains(dimension)) {
                dimensions.add(dimension);
            }
        }
        return dimensions;
    }
}
