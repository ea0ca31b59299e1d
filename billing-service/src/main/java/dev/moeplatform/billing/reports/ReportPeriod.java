package dev.moeplatform.billing.reports;

import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * The period a report covers, [from, to) in UTC, on whole hours (the ledger's rollup grain). Written as
 * {@code period=2026-11} (a month), {@code period=2026-11-29} (a day), or {@code from}/{@code to}, each a date
 * (midnight UTC) or an instant on a whole hour; nothing means the current month.
 *
 * @param label how reports name the period ("2026-11", or "from … to …")
 */
public record ReportPeriod(Instant from, Instant to, String label) {

    static final Duration LONGEST = Duration.ofDays(400);

    public static ReportPeriod currentMonth(Clock clock) {
        return month(YearMonth.now(clock.withZone(ZoneOffset.UTC)));
    }

    public static ReportPeriod month(YearMonth month) {
        return new ReportPeriod(month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant(),
                month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant(), month.toString());
    }

    static ReportPeriod parse(String period, String from, String to, Clock clock) {
        if (period != null && (from != null || to != null)) {
            throw invalid("period", "give either period or from/to, not both");
        }
        if (period != null) {
            try {
                if (period.length() == 7) {
                    return month(YearMonth.parse(period));
                }
                LocalDate day = LocalDate.parse(period);
                return new ReportPeriod(day.atStartOfDay(ZoneOffset.UTC).toInstant(),
                        day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant(), period);
            } catch (DateTimeParseException e) {
                throw invalid("period", "period must be a month (2026-11) or a day (2026-11-29), was '" + period + "'");
            }
        }
        if (from == null && to == null) {
            return currentMonth(clock);
        }
        if (from == null || to == null) {
            throw invalid(from == null ? "from" : "to", "from and to go together");
        }
        Instant start = instant("from", from);
        Instant end = instant("to", to);
        if (!end.isAfter(start)) {
            throw invalid("to", "to must be after from");
        }
        if (Duration.between(start, end).compareTo(LONGEST) > 0) {
            throw invalid("to", "a report covers at most " + LONGEST.toDays() + " days");
        }
        return new ReportPeriod(start, end, start + " to " + end);
    }

    private static Instant instant(String field, String value) {
        Instant at;
        try {
            at = value.length() == 10 ? LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant()
                    : Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw invalid(field, field + " must be a date (2026-11-01) or an instant (2026-11-01T08:00:00Z), was '"
                    + value + "'");
        }
        if (at.getEpochSecond() % 3600 != 0 || at.getNano() != 0) {
            throw invalid(field, field + " must be on a whole UTC hour (usage is kept per hour), was " + value);
        }
        return at;
    }

    private static ApiException invalid(String field, String message) {
        return new ApiException(new ApiError(400, message, field, "invalid_period"));
    }
}
