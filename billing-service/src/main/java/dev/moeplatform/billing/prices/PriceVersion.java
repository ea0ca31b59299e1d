package dev.moeplatform.billing.prices;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;

/**
 * One price of one model over [effectiveFrom, effectiveTo) (open-ended when effectiveTo is null), USD per 1M tokens.
 * A self-hosted version carries the inputs of the formula it was derived from.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PriceVersion(
        long id,
        String model,
        String kind,
        BigDecimal inputPerMillion,
        BigDecimal cachedInputPerMillion,
        BigDecimal outputPerMillion,
        Instant effectiveFrom,
        Instant effectiveTo,
        String source,
        LocalDate sourceDate,
        SelfHostedInputs selfHosted) {

    public static final String REFERENCE = "reference";
    public static final String SELF_HOSTED = "self_hosted";

    /**
     * $/1M tokens = usdPerHour × acceleratorCount ÷ (tokensPerSecond × 3600 × utilisation) × 10^6.
     *
     * @param inputTokensPerSecond the throughput input tokens are priced from, when entered separately
     * @param throughputSource "entered", or how the throughput was measured
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SelfHostedInputs(
            String hardwareProfile,
            String accelerator,
            int acceleratorCount,
            BigDecimal usdPerHour,
            BigDecimal tokensPerSecond,
            BigDecimal inputTokensPerSecond,
            BigDecimal utilisation,
            String throughputSource,
            String formula) {
    }
}
