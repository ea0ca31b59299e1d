package dev.moeplatform.billing;

import dev.moeplatform.contracts.usage.UsageTopics;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * billing-service's settings ({@code platform.billing.*}).
 *
 * @param defaultReferenceModel the commercial model a tenant compares against until it picks one
 * @param inferenceUrl where inference-service's metrics are read when a self-hosted price is measured
 */
@ConfigurationProperties("platform.billing")
public record BillingProperties(
        @DefaultValue Ledger ledger,
        @DefaultValue("gpt-4o") String defaultReferenceModel,
        @DefaultValue Budgets budgets,
        @DefaultValue Alerts alerts,
        @DefaultValue("http://127.0.0.1:8081") URI inferenceUrl) {

    /**
     * @param topic the usage events topic
     * @param deadLetterTopic where refused events go, with the reason
     * @param maxClockSkew events dated further in the future than this are refused (a wrong clock, not usage)
     */
    public record Ledger(
            @DefaultValue(UsageTopics.USAGE_EVENTS) String topic,
            @DefaultValue(UsageTopics.USAGE_EVENTS_DEAD_LETTER) String deadLetterTopic,
            @DefaultValue("1h") Duration maxClockSkew) {
    }

    /**
     * @param checkInterval how often month-to-date spend is compared with the budgets
     * @param defaultThresholds percentages of a budget that raise an alert, once per month each
     */
    public record Budgets(
            @DefaultValue("10s") Duration checkInterval,
            @DefaultValue({"50", "80", "100"}) List<Integer> defaultThresholds) {
    }

    /**
     * @param webhookUrl where alerts are posted unless a budget names its own URL; empty: metric and log only
     * @param webhookSecret signs each delivery (header {@code x-platform-signature}); required with a URL
     * @param maxAttempts deliveries are retried with exponential backoff up to this many attempts
     * @param requestTimeout per delivery attempt
     */
    public record Alerts(
            @DefaultValue("") String webhookUrl,
            @DefaultValue("") String webhookSecret,
            @DefaultValue("10") int maxAttempts,
            @DefaultValue("5s") Duration requestTimeout) {
    }
}
