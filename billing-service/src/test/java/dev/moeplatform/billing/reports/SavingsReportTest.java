package dev.moeplatform.billing.reports;

import static dev.moeplatform.billing.BillingFixture.asAdmin;
import static dev.moeplatform.billing.BillingFixture.asTenant;
import static dev.moeplatform.billing.BillingFixture.event;
import static dev.moeplatform.testing.ErrorShapeAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.billing.BillingFixture;
import dev.moeplatform.billing.BillingTest;
import dev.moeplatform.testing.Http;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Pricing from the ledger: a self-hosted price derived from hardware, changed in the middle of the month; each hour
 * of usage is priced with the version in effect then, against the tenant's reference model, with exact decimals.
 */
@BillingTest
class SavingsReportTest {

    @Autowired
    BillingFixture billing;
    Http http;
    String model;
    String tenant;

    @BeforeEach
    void fixture() {
        http = billing.http();
        model = "moe-" + UUID.randomUUID();
        tenant = "acme-" + UUID.randomUUID();
    }

    /** h200 at $3.50/h, 2000 tok/s at 50% utilisation: 3.5 ÷ (2000 × 3600 × 0.5) × 10^6 = 0.972222… → 0.972222. */
    private JsonNode selfHosted(int tokensPerSecond, String from) {
        Http.Response created = http.post("/v1/billing/prices/self-hosted", "application/json", """
                {"model": "%s", "hardwareProfile": "h200", "tokensPerSecond": %d, "utilisation": 0.5,
                 "effectiveFrom": "%s"}""".formatted(model, tokensPerSecond, from), asAdmin());
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json();
    }

    private void usageOnTheTenthAndTheTwentieth() {
        billing.publish(List.of(
                event(tenant, "search", model, Instant.parse("2026-11-10T10:20:00Z"), 1_000_000, 500_000, 200_000),
                event(tenant, "support", model, Instant.parse("2026-11-20T08:00:00Z"), 2_000_000, 1_000_000, 0)));
        billing.awaitLedgered(tenant, 2);
    }

    @Test
    void aPriceChangeMidMonthPricesEachHourWithItsVersion() {
        JsonNode first = selfHosted(2000, "2026-10-01T00:00:00Z");
        assertThat(new java.math.BigDecimal(first.get("inputPerMillion").asString())).isEqualByComparingTo("0.972222");
        assertThat(new java.math.BigDecimal(first.get("selfHosted").get("usdPerHour").asString())).isEqualByComparingTo("3.5");
        assertThat(first.get("selfHosted").get("throughputSource").asString()).isEqualTo("entered");
        JsonNode second = selfHosted(4000, "2026-11-15T00:00:00Z");
        assertThat(new java.math.BigDecimal(second.get("outputPerMillion").asString())).isEqualByComparingTo("0.486111");
        usageOnTheTenthAndTheTwentieth();

        JsonNode savings = http.get("/v1/billing/savings?period=2026-11", asTenant(tenant)).json();
        // 1.5M tokens × 0.972222 + 3M tokens × 0.486111, per 1M.
        assertThat(new java.math.BigDecimal(savings.get("actualCostUsd").asString())).isEqualByComparingTo("2.916666");
        // gpt-4o: 0.8M × 2.50 + 0.2M cached × 1.25 + 0.5M × 10 = 7.25; 2M × 2.50 + 1M × 10 = 15.
        assertThat(new java.math.BigDecimal(savings.get("referenceCostUsd").asString())).isEqualByComparingTo("22.25");
        assertThat(new java.math.BigDecimal(savings.get("ratio").asString())).isEqualByComparingTo("7.6");
        assertThat(savings.get("summary").asString()).isEqualTo("7.6x cheaper than gpt-4o in 2026-11");
        // Money travels as decimal strings, never as binary floating point.
        assertThat(savings.get("actualCostUsd").isString()).isTrue();
        assertThat(savings.get("actualCostUsd").asString()).isEqualTo("2.916666");
        assertThat(savings.get("byTeam").get(0).get("ratio").asString()).matches("\\d+\\.\\d");
        assertThat(savings.get("promptTokens").asLong()).isEqualTo(3_000_000);
        assertThat(savings.get("byModel").get(0).get("prices")).hasSize(2);
        assertThat(savings.get("referencePrices").get(0).get("source").asString()).contains("OpenAI");
        assertThat(savings.get("byTeam")).hasSize(2);

        JsonNode byDay = http.get("/v1/billing/usage?period=2026-11&groupBy=day", asTenant(tenant)).json();
        assertThat(byDay.get("rows")).hasSize(2);
        assertThat(byDay.get("rows").get(0).get("group").get("day").asString()).isEqualTo("2026-11-10");
        assertThat(new java.math.BigDecimal(byDay.get("rows").get(0).get("costUsd").asString())).isEqualByComparingTo("1.458333");
        assertThat(new java.math.BigDecimal(byDay.get("rows").get(1).get("costUsd").asString())).isEqualByComparingTo("1.458333");
        assertThat(byDay.get("totals").get("requests").asLong()).isEqualTo(2);
    }

    @Test
    void theTenantPicksItsReferenceModelAndReferencePricesAreVersionedToo() {
        selfHosted(2000, "2026-10-01T00:00:00Z");
        selfHosted(4000, "2026-11-15T00:00:00Z");
        usageOnTheTenthAndTheTwentieth();

        Http.Response picked = http.send("PUT", "/v1/billing/tenants/" + tenant + "/settings", "application/json",
                "{\"referenceModel\": \"o1\"}", asTenant(tenant));
        assertThat(picked.status()).as(picked.body()).isEqualTo(200);
        JsonNode savings = http.get("/v1/billing/savings?period=2026-11", asTenant(tenant)).json();
        // o1: 0.8M × 15 + 0.2M × 7.5 + 0.5M × 60 = 43.5; 2M × 15 + 1M × 60 = 90.
        assertThat(new java.math.BigDecimal(savings.get("referenceCostUsd").asString())).isEqualByComparingTo("133.5");
        assertThat(new java.math.BigDecimal(savings.get("ratio").asString())).isEqualByComparingTo("45.8");
        assertThat(savings.get("referenceModel").asString()).isEqualTo("o1");

        String reference = "ref-" + UUID.randomUUID();
        for (String version : List.of(
                "{\"model\":\"%s\",\"inputPerMillion\":1.00,\"outputPerMillion\":2.00,\"effectiveFrom\":\"2026-10-01T00:00:00Z\",\"source\":\"test\"}",
                "{\"model\":\"%s\",\"inputPerMillion\":3.00,\"outputPerMillion\":4.00,\"effectiveFrom\":\"2026-11-15T00:00:00Z\",\"source\":\"test\"}")) {
            Http.Response added = http.post("/v1/billing/prices", "application/json", version.formatted(reference),
                    asAdmin());
            assertThat(added.status()).as(added.body()).isEqualTo(201);
        }
        JsonNode against = http.get("/v1/billing/savings?period=2026-11&reference=" + reference, asTenant(tenant))
                .json();
        // 1M × 1.00 (cached at the input price when none is given) + 0.5M × 2.00 = 2; 2M × 3 + 1M × 4 = 10.
        assertThat(new java.math.BigDecimal(against.get("referenceCostUsd").asString())).isEqualByComparingTo("12");
        assertThat(new java.math.BigDecimal(against.get("ratio").asString())).isEqualByComparingTo("4.1");
        assertThat(against.get("referencePrices")).hasSize(2);
    }

    @Test
    void thePriceBookRefusesRewritesAndBadInput() {
        selfHosted(2000, "2026-11-01T00:00:00Z");
        String earlier = """
                {"model": "%s", "hardwareProfile": "h200", "tokensPerSecond": 10, "utilisation": 0.5,
                 "effectiveFrom": "2026-10-01T00:00:00Z"}""".formatted(model);
        assertThat(assertProblem(http.post("/v1/billing/prices/self-hosted", "application/json", earlier, asAdmin()),
                409).get("detail").asString()).contains("must start after");
        String offHour = earlier.replace("2026-10-01T00:00:00Z", "2026-12-01T00:30:00Z");
        assertThat(assertProblem(http.post("/v1/billing/prices/self-hosted", "application/json", offHour, asAdmin()),
                400).get("param").asString()).isEqualTo("effectiveFrom");
        String noProfile = earlier.replace("h200", "no-such-gpu").replace("2026-10-01", "2026-12-01");
        assertThat(assertProblem(http.post("/v1/billing/prices/self-hosted", "application/json", noProfile, asAdmin()),
                400).get("param").asString()).isEqualTo("hardwareProfile");
        String overUtilised = earlier.replace("0.5", "1.5").replace("2026-10-01", "2026-12-01");
        assertThat(assertProblem(http.post("/v1/billing/prices/self-hosted", "application/json", overUtilised,
                asAdmin()), 400).get("param").asString()).isEqualTo("utilisation");
        assertProblem(http.post("/v1/billing/prices/self-hosted", "application/json",
                earlier.replace("2026-10-01", "2026-12-01"), asTenant(tenant)), 403);
        assertProblem(http.get("/v1/billing/savings?period=2026-13", asTenant(tenant)), 400);
        assertProblem(http.get("/v1/billing/savings?reference=no-such-model", asTenant(tenant)), 400);
        assertProblem(http.send("PUT", "/v1/billing/tenants/" + tenant + "/settings", "application/json",
                "{\"referenceModel\": \"" + model + "\"}", asTenant(tenant)), 400);
    }
}
