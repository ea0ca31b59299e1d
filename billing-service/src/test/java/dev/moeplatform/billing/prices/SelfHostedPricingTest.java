package dev.moeplatform.billing.prices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moeplatform.billing.Money;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class SelfHostedPricingTest {

    @Test
    void theFormulaFromHardwareCostAndThroughput() {
        // 8 × H100 at $2.95/h serving 10,000 tok/s at 60%: 23.6 ÷ 21,600,000 × 10^6 = 1.092592… per 1M tokens.
        assertThat(SelfHostedPricing.perMillionTokens(new BigDecimal("2.95"), 8, new BigDecimal("10000"),
                new BigDecimal("0.6"))).isEqualByComparingTo("1.092593");
        assertThat(SelfHostedPricing.perMillionTokens(new BigDecimal("3.60"), 1, new BigDecimal("1000"),
                BigDecimal.ONE)).isEqualTo(new BigDecimal("1.000000"));
    }

    @Test
    void refusesThroughputOrUtilisationThatMakeNoSense() {
        assertThatThrownBy(() -> SelfHostedPricing.perMillionTokens(BigDecimal.ONE, 1, BigDecimal.ZERO,
                BigDecimal.ONE)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SelfHostedPricing.perMillionTokens(BigDecimal.ONE, 1, BigDecimal.TEN,
                new BigDecimal("1.01"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void roundingIsHalfEvenAtTheDocumentedScales() {
        assertThat(Money.amount(new BigDecimal("0.0000025"))).isEqualTo(new BigDecimal("0.000002"));
        assertThat(Money.amount(new BigDecimal("0.0000035"))).isEqualTo(new BigDecimal("0.000004"));
        assertThat(Money.amount(null)).isEqualTo(new BigDecimal("0.000000"));
        assertThat(Money.ratio(new BigDecimal("22.25"), new BigDecimal("2.916666"))).isEqualTo(new BigDecimal("7.6"));
        assertThat(Money.ratio(new BigDecimal("0.25"), new BigDecimal("1"))).isEqualTo(new BigDecimal("0.2"));
        assertThat(Money.ratio(BigDecimal.ONE, BigDecimal.ZERO)).isNull();
    }

    @Test
    void throughputIsReadFromTheNativeBackendsSeriesOfTheModel() {
        String scrape = """
                # HELP platform_inference_tokens_total Prompt tokens prefilled and tokens generated
                platform_inference_tokens_total{application="inference-service",backend="native",kind="generation",model="m1"} 300.0
                platform_inference_tokens_total{application="inference-service",backend="native",kind="prompt",model="m1"} 700.0
                platform_inference_tokens_total{application="inference-service",backend="vllm",kind="prompt",model="m1"} 5000.0
                platform_inference_tokens_total{application="inference-service",backend="native",kind="prompt",model="m10"} 9.0
                platform_inference_engine_busy_seconds_total{application="inference-service",backend="native",model="m1"} 2.5
                """;
        assertThat(InferenceThroughput.sum(scrape, InferenceThroughput.TOKENS, "m1")).isEqualTo(1000.0);
        assertThat(InferenceThroughput.sum(scrape, InferenceThroughput.BUSY, "m1")).isEqualTo(2.5);
        assertThat(InferenceThroughput.sum(scrape, InferenceThroughput.TOKENS, "absent")).isZero();
    }
}
