package dev.moeplatform.billing;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The one set of rounding rules. Money is {@link BigDecimal} end to end and computed exactly (the database sums
 * {@code tokens × price × 10^-6} in NUMERIC without rounding); rounding happens only when a figure is shown:
 * <ul>
 *   <li>amounts in reports and CSV: 6 decimal places (micro-dollars), half-even (banker's rounding, no drift when
 *       many rounded rows are added up by a reader);</li>
 *   <li>prices per 1M tokens derived from hardware: 6 decimal places, half-even;</li>
 *   <li>ratios (reference cost over actual cost): 1 decimal place, half-even, computed from the unrounded amounts.</li>
 * </ul>
 */
public final class Money {

    public static final int AMOUNT_SCALE = 6;
    public static final int PRICE_SCALE = 6;
    public static final int RATIO_SCALE = 1;

    private Money() {
    }

    public static BigDecimal amount(BigDecimal exact) {
        return (exact == null ? BigDecimal.ZERO : exact).setScale(AMOUNT_SCALE, RoundingMode.HALF_EVEN);
    }

    /** reference ÷ actual, or null when nothing was spent (no ratio exists). */
    public static BigDecimal ratio(BigDecimal reference, BigDecimal actual) {
        if (actual == null || actual.signum() == 0 || reference == null) {
            return null;
        }
        return reference.divide(actual, RATIO_SCALE, RoundingMode.HALF_EVEN);
    }
}
