package dev.moeplatform.billing.budgets;

import static dev.moeplatform.billing.BillingFixture.asAdmin;
import static dev.moeplatform.billing.BillingFixture.asTenant;
import static dev.moeplatform.billing.BillingFixture.event;
import static dev.moeplatform.testing.ErrorShapeAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.moeplatform.billing.BillingFixture;
import dev.moeplatform.billing.BillingTestContext;
import dev.moeplatform.billing.BillingTest;
import dev.moeplatform.testing.Http;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Budget thresholds fire once per month each, as a signed webhook (retried when the receiver fails) and a metric,
 * from month-to-date spend priced from the ledger.
 */
@BillingTest
class BudgetAlertTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    MeterRegistry meters;

    @Autowired
    BillingFixture billing;
    Http http;
    HttpServer receiver;
    /** Alerts received and verified, by delivery id (a retried delivery repeats its id). */
    final Map<String, JsonNode> received = new ConcurrentHashMap<>();
    final AtomicInteger attempts = new AtomicInteger();
    final AtomicInteger badSignatures = new AtomicInteger();

    @BeforeEach
    void receiver() throws IOException {
        http = billing.http();
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/alerts", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            // The first attempt fails, as a receiver that is briefly down would: the delivery must be retried.
            int status = attempts.incrementAndGet() == 1 ? 500 : 204;
            String signature = exchange.getRequestHeaders().getFirst("x-platform-signature");
            if (status == 204) {
                if (verified(signature, new String(body, StandardCharsets.UTF_8))) {
                    received.put(exchange.getRequestHeaders().getFirst("x-platform-delivery"), JSON.readTree(body));
                } else {
                    badSignatures.incrementAndGet();
                }
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stop() {
        receiver.stop(0);
    }

    private static boolean verified(String header, String body) {
        try {
            String t = header.replaceAll(".*t=(\\d+).*", "$1");
            String v1 = header.replaceAll(".*v1=([0-9a-f]+).*", "$1");
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(BillingTestContext.WEBHOOK_SECRET.getBytes(StandardCharsets.UTF_8),
                    "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal((t + "." + body).getBytes(StandardCharsets.UTF_8)))
                    .equals(v1);
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void eachThresholdAlertsOncePerMonthWithASignedRetriedWebhookAndAMetric() {
        String tenant = "budget-" + UUID.randomUUID();
        String model = "budget-model-" + UUID.randomUUID();
        // A GPU-hour of $3.60 serving 1000 tok/s at full utilisation: exactly $1.00 per 1M tokens.
        assertThat(http.send("PUT", "/v1/billing/hardware-profiles/test-gpu", "application/json",
                "{\"accelerator\":\"test accelerator\",\"acceleratorCount\":1,\"usdPerHour\":3.60,"
                        + "\"description\":\"round numbers\"}", asAdmin()).status()).isEqualTo(200);
        String monthStart = YearMonth.now(ZoneOffset.UTC).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().toString();
        Http.Response price = http.post("/v1/billing/prices/self-hosted", "application/json", """
                {"model": "%s", "hardwareProfile": "test-gpu", "tokensPerSecond": 1000, "utilisation": 1,
                 "effectiveFrom": "%s"}""".formatted(model, monthStart), asAdmin());
        assertThat(new java.math.BigDecimal(price.json().get("inputPerMillion").asString())).isEqualByComparingTo("1");
        Http.Response budget = http.send("PUT", "/v1/billing/budgets", "application/json", """
                {"tenant": "%s", "monthlyUsd": 1.00,
                 "webhookUrl": "http://127.0.0.1:%d/alerts"}""".formatted(tenant, receiver.getAddress().getPort()),
                asAdmin());
        assertThat(budget.status()).as(budget.body()).isEqualTo(200);
        assertThat(budget.json().get("thresholds").toString()).isEqualTo("[50,80,100]");

        spend(tenant, model, 600_000); // $0.60
        awaitAlerts(1);
        spend(tenant, model, 250_000); // $0.85
        awaitAlerts(2);
        spend(tenant, model, 300_000); // $1.15
        awaitAlerts(3);
        spend(tenant, model, 100_000); // $1.25: every threshold has fired this month already
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> received.size() == 3);

        assertThat(received.values().stream().map(a -> a.get("threshold").asInt()).sorted().toList())
                .containsExactly(50, 80, 100);
        JsonNode last = received.values().stream().filter(a -> a.get("threshold").asInt() == 100).findFirst()
                .orElseThrow();
        assertThat(last.get("tenant").asString()).isEqualTo(tenant);
        assertThat(new java.math.BigDecimal(last.get("spentUsd").asString())).isEqualByComparingTo("1.15");
        assertThat(badSignatures).hasValue(0);
        assertThat(attempts.get()).isEqualTo(4); // one failed attempt, retried, plus two more alerts
        assertThat(jdbc.queryForObject("SELECT count(*) FROM budget_alert a JOIN budget b ON b.id = a.budget_id "
                + "WHERE b.tenant = ?", Long.class, tenant)).isEqualTo(3);

        JsonNode status = http.get("/v1/billing/budgets/status", asTenant(tenant)).json().get(0);
        assertThat(new java.math.BigDecimal(status.get("spentUsd").asString())).isEqualByComparingTo("1.25");
        assertThat(new java.math.BigDecimal(status.get("remainingUsd").asString())).isEqualByComparingTo("0");
        assertThat(new java.math.BigDecimal(status.get("usedPercent").asString())).isEqualByComparingTo("125");
        assertThat(http.get("/v1/billing/budgets/alerts", asTenant(tenant)).json()).hasSize(3);
        assertThat(meters.find(BudgetMonitor.ALERTS).tag("tenant", tenant).counters().stream()
                .mapToDouble(c -> c.count()).sum()).isEqualTo(3);
        await().atMost(Duration.ofSeconds(5)).until(() -> gauge(BudgetMonitor.BUDGET_USED, tenant) == 1.25);
        // Compared as a set of exported names so that a failure names the missing metric, not the whole scrape.
        Set<String> exported = http.get("/actuator/prometheus").body().lines()
                .filter(line -> !line.startsWith("#") && line.contains("{"))
                .map(line -> line.substring(0, line.indexOf('{'))).collect(Collectors.toSet());
        assertThat(exported).contains("platform_billing_budget_used", "platform_billing_savings_ratio",
                "platform_billing_cost_usd_total", "platform_billing_events_total",
                "kafka_consumer_fetch_manager_records_lag_max");
    }

    @Test
    void budgetsAreForAdministratorsToSetAndValidated() {
        String tenant = "budget-" + UUID.randomUUID();
        assertProblem(http.send("PUT", "/v1/billing/budgets", "application/json",
                "{\"tenant\":\"" + tenant + "\",\"monthlyUsd\":5}", asTenant(tenant)), 403);
        assertThat(assertProblem(http.send("PUT", "/v1/billing/budgets", "application/json",
                "{\"tenant\":\"" + tenant + "\",\"monthlyUsd\":0}", asAdmin()), 400).get("param").asString())
                .isEqualTo("monthlyUsd");
        assertThat(assertProblem(http.send("PUT", "/v1/billing/budgets", "application/json",
                "{\"tenant\":\"" + tenant + "\",\"monthlyUsd\":5,\"webhookUrl\":\"ftp://x\"}", asAdmin()), 400)
                .get("param").asString()).isEqualTo("webhookUrl");
        Http.Response team = http.send("PUT", "/v1/billing/budgets", "application/json",
                "{\"tenant\":\"" + tenant + "\",\"team\":\"search\",\"monthlyUsd\":5,\"thresholds\":[90,75]}",
                asAdmin());
        assertThat(team.json().get("thresholds").toString()).isEqualTo("[75,90]");
        assertThat(http.get("/v1/billing/budgets", asTenant(tenant)).json()).hasSize(1);
        assertProblem(http.method("DELETE", "/v1/billing/budgets/" + team.json().get("id").asLong(),
                asTenant(tenant)), 403);
        assertThat(http.method("DELETE", "/v1/billing/budgets/" + team.json().get("id").asLong(), asAdmin())
                .status()).isEqualTo(204);
        assertProblem(http.method("DELETE", "/v1/billing/budgets/" + team.json().get("id").asLong(), asAdmin()), 404);
    }

    private void spend(String tenant, String model, long tokens) {
        long before = billing.ledgered(tenant);
        billing.publish(List.of(event(tenant, "search", model, Instant.now(), tokens, 0, 0)));
        billing.awaitLedgered(tenant, before + 1);
    }

    private void awaitAlerts(int count) {
        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= count);
    }

    private double gauge(String name, String tenant) {
        var gauge = meters.find(name).tag("tenant", tenant).gauge();
        return gauge == null ? Double.NaN : gauge.value();
    }
}
