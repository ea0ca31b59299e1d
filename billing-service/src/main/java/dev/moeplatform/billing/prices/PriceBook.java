package dev.moeplatform.billing.prices;

import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/**
 * The price book: per model, a timeline of versions. A new version is appended after the model's latest one (which
 * is closed at the new version's start); versions already in the book are never edited, so a report over a past
 * period always prices it the same way. Versions start and end on whole UTC hours, the ledger's rollup grain.
 */
@Repository
public class PriceBook {

    private static final String COLUMNS = "id, model, kind, input_per_million, cached_input_per_million, "
            + "output_per_million, effective_from, effective_to, source, source_date, hardware_profile, accelerator, "
            + "accelerator_count, usd_per_hour, tokens_per_second, input_tokens_per_second, utilisation, "
            + "throughput_source";

    private final JdbcTemplate jdbc;

    PriceBook(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public List<PriceVersion> versions(String model) {
        if (model == null) {
            return jdbc.query("SELECT " + COLUMNS + " FROM price_version ORDER BY model, effective_from",
                    PriceBook::version);
        }
        return jdbc.query("SELECT " + COLUMNS + " FROM price_version WHERE model = ? ORDER BY effective_from",
                PriceBook::version, model);
    }

    /** Every model's version in effect at {@code at}. */
    public List<PriceVersion> inEffect(Instant at) {
        return jdbc.query("SELECT " + COLUMNS + " FROM price_version p WHERE price_in_effect(p, ?) ORDER BY model",
                PriceBook::version, Timestamp.from(at));
    }

    public Optional<PriceVersion> inEffect(String model, Instant at) {
        return jdbc.query("SELECT " + COLUMNS + " FROM price_version p WHERE model = ? AND price_in_effect(p, ?)",
                PriceBook::version, model, Timestamp.from(at)).stream().findFirst();
    }

    /** The versions of {@code model} that overlap [from, to): the prices a report over that period used. */
    public List<PriceVersion> overlapping(String model, Instant from, Instant to) {
        return jdbc.query("SELECT " + COLUMNS + " FROM price_version WHERE model = ? AND effective_from < ? "
                + "AND (effective_to IS NULL OR effective_to > ?) ORDER BY effective_from", PriceBook::version,
                model, Timestamp.from(to), Timestamp.from(from));
    }

    public boolean isReferenceModel(String model) {
        return Boolean.TRUE.equals(jdbc.queryForObject(
                "SELECT EXISTS (SELECT 1 FROM price_version WHERE model = ? AND kind = 'reference')", Boolean.class,
                model));
    }

    /** Appends a version to the model's timeline (see the class comment); 409 if it would not come last. */
    @Transactional
    public PriceVersion append(PriceVersion version) {
        requireWholeHour("effectiveFrom", version.effectiveFrom());
        if (version.effectiveTo() != null) {
            requireWholeHour("effectiveTo", version.effectiveTo());
            if (!version.effectiveTo().isAfter(version.effectiveFrom())) {
                throw new ApiException(new ApiError(400, "effectiveTo must be after effectiveFrom", "effectiveTo",
                        "invalid_value"));
            }
        }
        // One writer per model at a time, so two concurrent appends cannot both see themselves as last.
        jdbc.queryForObject("SELECT pg_advisory_xact_lock(hashtext('price_version:' || ?))", Object.class,
                version.model());
        List<PriceVersion> existing = versions(version.model());
        if (!existing.isEmpty()) {
            PriceVersion latest = existing.getLast();
            if (!latest.kind().equals(version.kind())) {
                throw conflict("model '" + version.model() + "' is priced as " + latest.kind() + ", not "
                        + version.kind());
            }
            if (!version.effectiveFrom().isAfter(latest.effectiveFrom())) {
                throw conflict("model '" + version.model() + "' has a version from " + latest.effectiveFrom()
                        + "; a new version must start after it (versions in the book are never rewritten)");
            }
            if (latest.effectiveTo() == null || latest.effectiveTo().isAfter(version.effectiveFrom())) {
                jdbc.update("UPDATE price_version SET effective_to = ? WHERE id = ?",
                        Timestamp.from(version.effectiveFrom()), latest.id());
            }
        }
        PriceVersion.SelfHostedInputs inputs = version.selfHosted();
        Long id = jdbc.queryForObject("""
                INSERT INTO price_version (model, kind, input_per_million, cached_input_per_million,
                    output_per_million, effective_from, effective_to, source, source_date, hardware_profile,
                    accelerator, accelerator_count, usd_per_hour, tokens_per_second, input_tokens_per_second,
                    utilisation, throughput_source)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""", Long.class,
                version.model(), version.kind(), version.inputPerMillion(), version.cachedInputPerMillion(),
                version.outputPerMillion(), Timestamp.from(version.effectiveFrom()),
                version.effectiveTo() == null ? null : Timestamp.from(version.effectiveTo()), version.source(),
                version.sourceDate() == null ? null : java.sql.Date.valueOf(version.sourceDate()),
                inputs == null ? null : inputs.hardwareProfile(), inputs == null ? null : inputs.accelerator(),
                inputs == null ? null : inputs.acceleratorCount(), inputs == null ? null : inputs.usdPerHour(),
                inputs == null ? null : inputs.tokensPerSecond(), inputs == null ? null : inputs.inputTokensPerSecond(),
                inputs == null ? null : inputs.utilisation(), inputs == null ? null : inputs.throughputSource());
        return versions(version.model()).stream().filter(v -> v.id() == id).findFirst().orElseThrow();
    }

    public List<HardwareProfile> hardwareProfiles() {
        return jdbc.query("SELECT id, accelerator, accelerator_count, usd_per_hour, description FROM hardware_profile "
                + "ORDER BY id", PriceBook::profile);
    }

    public Optional<HardwareProfile> hardwareProfile(String id) {
        return jdbc.query("SELECT id, accelerator, accelerator_count, usd_per_hour, description FROM hardware_profile "
                + "WHERE id = ?", PriceBook::profile, id).stream().findFirst();
    }

    public HardwareProfile saveHardwareProfile(HardwareProfile profile) {
        jdbc.update("""
                INSERT INTO hardware_profile (id, accelerator, accelerator_count, usd_per_hour, description)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET accelerator = excluded.accelerator,
                    accelerator_count = excluded.accelerator_count, usd_per_hour = excluded.usd_per_hour,
                    description = excluded.description, updated_at = now()""",
                profile.id(), profile.accelerator(), profile.acceleratorCount(), profile.usdPerHour(),
                profile.description());
        return hardwareProfile(profile.id()).orElseThrow();
    }

    static void requireWholeHour(String field, Instant at) {
        if (at.getEpochSecond() % 3600 != 0 || at.getNano() != 0) {
            throw new ApiException(new ApiError(400, field + " must be on a whole UTC hour (prices are applied per "
                    + "hour of usage), was " + at, field, "invalid_value"));
        }
    }

    private static ApiException conflict(String message) {
        return new ApiException(ApiError.of(409, message, "price_conflict"));
    }

    private static PriceVersion version(ResultSet row, int n) throws SQLException {
        PriceVersion.SelfHostedInputs inputs = null;
        if (PriceVersion.SELF_HOSTED.equals(row.getString("kind"))) {
            inputs = new PriceVersion.SelfHostedInputs(row.getString("hardware_profile"), row.getString("accelerator"),
                    row.getInt("accelerator_count"), row.getBigDecimal("usd_per_hour"),
                    row.getBigDecimal("tokens_per_second"), row.getBigDecimal("input_tokens_per_second"),
                    row.getBigDecimal("utilisation"), row.getString("throughput_source"), SelfHostedPricing.FORMULA);
        }
        java.sql.Date sourceDate = row.getDate("source_date");
        Timestamp to = row.getTimestamp("effective_to");
        return new PriceVersion(row.getLong("id"), row.getString("model"), row.getString("kind"),
                row.getBigDecimal("input_per_million"), row.getBigDecimal("cached_input_per_million"),
                row.getBigDecimal("output_per_million"), row.getTimestamp("effective_from").toInstant(),
                to == null ? null : to.toInstant(), row.getString("source"),
                sourceDate == null ? null : sourceDate.toLocalDate(), inputs);
    }

    private static HardwareProfile profile(ResultSet row, int n) throws SQLException {
        return new HardwareProfile(row.getString("id"), row.getString("accelerator"), row.getInt("accelerator_count"),
                row.getBigDecimal("usd_per_hour"), row.getString("description"));
    }
}
