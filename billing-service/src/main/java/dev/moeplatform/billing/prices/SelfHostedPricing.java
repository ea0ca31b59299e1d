package dev.moeplatform.billing.prices;

import dev.moeplatform.billing.Money;
import java.math.BigDecimal;
import java.math.RoundingMode;

/** The price of a token on our own hardware, from what the hardware costs per hour and how fast it serves. */
public final class SelfHostedPricing {

    public static final String FORMULA =
            "USD per 1M tokens = usdPerHour × acceleratorCount ÷ (tokensPerSecond × 3600 × utilisation) × 10^6";

    private static final BigDecimal SECONDS_PER_HOUR = BigDecimal.valueOf(3600);
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    private SelfHostedPricing() {
    }

    /**
     * @param utilisation the share of the hardware's hours that serve traffic, in (0, 1]
     * @return USD per 1M tokens, rounded half-even to {@link Money#PRICE_SCALE} places
     */
    public static BigDecimal perMillionTokens(BigDecimal usdPerHour, int acceleratorCount, BigDecimal tokensPerSecond,
            BigDecimal utilisation) {
        if (tokensPerSecond.signum() <= 0 || utilisation.signum() <= 0 || utilisation.compareTo(BigDecimal.ONE) > 0) {
            throw new IllegalArgumentException("tokensPerSecond must be positive and utilisation in (0, 1]");
        }
        BigDecimal dollarsPerHour = usdPerHour.multiply(BigDecimal.valueOf(acceleratorCount));
        BigDecimal tokensPerHour = tokensPerSecond.multiply(SECONDS_PER_HOUR).multiply(utilisation);
        return dollarsPerHour.multiply(MILLION).divide(tokensPerHour, Money.PRICE_SCALE, RoundingMode.HALF_EVEN);
    }
}
