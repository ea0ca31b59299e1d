package dev.moeplatform.billing.prices;

import java.math.BigDecimal;

/** Hardware a self-hosted model runs on: {@code acceleratorCount} accelerators at {@code usdPerHour} each. */
public record HardwareProfile(String id, String accelerator, int acceleratorCount, BigDecimal usdPerHour,
        String description) {
}
