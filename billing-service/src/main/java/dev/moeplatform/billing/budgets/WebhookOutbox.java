package dev.moeplatform.billing.budgets;

import dev.moeplatform.billing.BillingProperties;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Budget alert webhooks through an outbox table: an alert's delivery is written in the transaction that records the
 * alert, then posted by {@link #deliverDue} and retried with exponential backoff (1 s, 2 s, 4 s … capped at 10 min)
 * up to {@code max-attempts}. Receivers verify {@code x-platform-signature: t=<unix seconds>,v1=<hex>} where v1 is
 * HMAC-SHA256 of {@code "<t>.<body>"} with the shared webhook secret, and deduplicate on
 * {@code x-platform-delivery} (a retry after a lost response repeats the same id).
 */
@Component
class WebhookOutbox {

    static final String SIGNATURE_HEADER = "x-platform-signature";
    static final String DELIVERY_HEADER = "x-platform-delivery";
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(10);
    private static final Logger log = LoggerFactory.getLogger(WebhookOutbox.class);

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final JsonMapper json;
    private final BillingProperties.Alerts settings;
    private final HttpClient http;
    private final Clock clock = Clock.systemUTC();

    WebhookOutbox(JdbcTemplate jdbc, TransactionTemplate transactions, JsonMapper json, BillingProperties properties) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.json = json;
        this.settings = properties.alerts();
        if (!settings.webhookUrl().isBlank() && settings.webhookSecret().isBlank()) {
            throw new IllegalStateException("platform.billing.alerts.webhook-url is set but webhook-secret is not "
                    + "(BILLING_ALERT_WEBHOOK_SECRET): receivers must be able to verify alerts");
        }
        this.http = HttpClient.newBuilder().connectTimeout(settings.requestTimeout()).build();
    }

    /** Whether alerts can be delivered at all (a secret to sign them is configured). */
    boolean canSign() {
        return !settings.webhookSecret().isBlank();
    }

    /** Queues the alert for the budget's webhook, or the service-wide one; no URL: nothing to deliver. */
    void enqueue(Budget budget, BudgetStatus status, int threshold) {
        String url = budget.webhookUrl() != null ? budget.webhookUrl() : settings.webhookUrl();
        if (url.isBlank() || !canSign()) {
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "budget.threshold_reached");
        body.put("budgetId", budget.id());
        body.put("tenant", budget.tenant());
        body.put("team", budget.team());
        body.put("period", status.period());
        body.put("threshold", threshold);
        body.put("limitUsd", status.limitUsd());
        body.put("spentUsd", status.spentUsd());
        body.put("usedPercent", status.usedPercent());
        body.put("firedAt", clock.instant().toString());
        jdbc.update("INSERT INTO webhook_delivery (url, body) VALUES (?, ?)", url, json.writeValueAsString(body));
    }

    private record Due(long id, String url, String body, int attempts) {
    }

    @Scheduled(fixedDelayString = "${platform.billing.alerts.delivery-interval:1s}")
    void deliverDue() {
        try {
            transactions.executeWithoutResult(tx -> {
                // SKIP LOCKED: replicas share the outbox without sending a delivery twice at once.
                List<Due> due = jdbc.query("""
                        SELECT id, url, body, attempts FROM webhook_delivery
                        WHERE status = 'pending' AND next_attempt_at <= now()
                        ORDER BY id LIMIT 20 FOR UPDATE SKIP LOCKED""", (row, n) -> new Due(row.getLong("id"),
                        row.getString("url"), row.getString("body"), row.getInt("attempts")));
                due.forEach(this::attempt);
            });
        } catch (RuntimeException e) {
            log.error("Webhook delivery pass failed; it runs again shortly", e);
        }
    }

    private void attempt(Due delivery) {
        int attempt = delivery.attempts() + 1;
        String error = post(delivery);
        if (error == null) {
            jdbc.update("UPDATE webhook_delivery SET status = 'delivered', attempts = ?, delivered_at = now(), "
                    + "last_error = NULL WHERE id = ?", attempt, delivery.id());
            return;
        }
        boolean giveUp = attempt >= settings.maxAttempts();
        Duration backoff = Duration.ofSeconds(1L << Math.min(attempt - 1, 20));
        backoff = backoff.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff;
        jdbc.update("UPDATE webhook_delivery SET status = ?, attempts = ?, last_error = ?, "
                + "next_attempt_at = now() + ? * interval '1 millisecond' WHERE id = ?",
                giveUp ? "failed" : "pending", attempt, error, backoff.toMillis(), delivery.id());
        if (giveUp) {
            log.error("Giving up on webhook delivery {} to {} after {} attempts: {}", delivery.id(), delivery.url(),
                    attempt, error);
        }
    }

    /** @return null when delivered, else what went wrong */
    private String post(Due delivery) {
        long t = clock.instant().getEpochSecond();
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(delivery.url()))
                    .timeout(settings.requestTimeout())
                    .header("Content-Type", "application/json")
                    .header(DELIVERY_HEADER, Long.toString(delivery.id()))
                    .header(SIGNATURE_HEADER, "t=" + t + ",v1=" + sign(t + "." + delivery.body()))
                    .POST(HttpRequest.BodyPublishers.ofString(delivery.body())).build();
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            return response.statusCode() / 100 == 2 ? null : "HTTP " + response.statusCode();
        } catch (IOException | IllegalArgumentException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    String sign(String payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(settings.webhookSecret().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }
}
