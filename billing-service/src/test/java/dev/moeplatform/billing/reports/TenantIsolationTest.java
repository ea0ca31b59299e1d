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

/** A tenant's key reaches its own data only, through every report endpoint; administrators see every tenant. */
@BillingTest
class TenantIsolationTest {

    @Autowired
    BillingFixture billing;
    Http http;
    String alpha;
    String beta;
    String model;

    @BeforeEach
    void usageOfTwoTenants() {
        http = billing.http();
        alpha = "alpha-" + UUID.randomUUID();
        beta = "beta-" + UUID.randomUUID();
        model = "csv-model-" + UUID.randomUUID();
        Http.Response price = http.post("/v1/billing/prices/self-hosted", "application/json", """
                {"model": "%s", "hardwareProfile": "h100", "tokensPerSecond": 1000, "utilisation": 1,
                 "effectiveFrom": "2026-11-01T00:00:00Z"}""".formatted(model), asAdmin());
        assertThat(price.status()).as(price.body()).isEqualTo(201);
        billing.publish(List.of(
                event(alpha, "search", model, Instant.parse("2026-11-03T09:15:00Z"), 1_000_000, 0, 0),
                event(alpha, "search", model, Instant.parse("2026-11-03T17:00:00Z"), 500_000, 250_000, 0),
                event(alpha, "ops,\"night\"", model, Instant.parse("2026-11-04T01:00:00Z"), 10, 20, 0),
                event(beta, "search", model, Instant.parse("2026-11-03T09:15:00Z"), 7, 7, 0)));
        billing.awaitLedgered(alpha, 3);
        billing.awaitLedgered(beta, 1);
    }

    @Test
    void aTenantsKeyCannotReadAnotherTenantThroughAnyEndpoint() {
        String[] betaKey = asTenant(beta);
        for (String path : List.of("/v1/billing/usage?tenant=" + alpha, "/v1/billing/usage.csv?tenant=" + alpha,
                "/v1/billing/savings?tenant=" + alpha, "/v1/billing/budgets?tenant=" + alpha,
                "/v1/billing/budgets/status?tenant=" + alpha, "/v1/billing/budgets/alerts?tenant=" + alpha,
                "/v1/billing/tenants/" + alpha + "/settings")) {
            assertThat(assertProblem(http.get(path + (path.contains("?") ? "&" : "?") + "period=2026-11", betaKey), 403)
                    .get("detail").asString()).as(path).contains("another tenant");
        }
        // Without naming a tenant, beta's key gets beta's data only.
        JsonNode own = http.get("/v1/billing/usage?period=2026-11&groupBy=team", betaKey).json();
        assertThat(own.get("tenant").asString()).isEqualTo(beta);
        assertThat(own.get("totals").get("promptTokens").asLong()).isEqualTo(7);
        assertProblem(http.get("/v1/billing/usage?period=2026-11&groupBy=tenant", betaKey), 400);
    }

    @Test
    void administratorsSeeEveryTenant() {
        JsonNode all = http.get("/v1/billing/usage?period=2026-11&groupBy=tenant", asAdmin()).json();
        List<String> tenants = all.get("rows").valueStream().map(r -> r.get("group").get("tenant").asString()).toList();
        assertThat(tenants).contains(alpha, beta);
        JsonNode alphaOnly = http.get("/v1/billing/usage?period=2026-11&tenant=" + alpha, asAdmin()).json();
        assertThat(alphaOnly.get("totals").get("requests").asLong()).isEqualTo(3);
        assertProblem(http.get("/v1/billing/savings?period=2026-11", asAdmin()), 400);
    }

    @Test
    void theCsvExportIsTheChargebackTableOfTheTenant() {
        Http.Response csv = http.get("/v1/billing/usage.csv?period=2026-11&groupBy=day,team", asTenant(alpha));
        assertThat(csv.status()).isEqualTo(200);
        assertThat(csv.contentType()).startsWith("text/csv");
        assertThat(csv.header("Content-Disposition"))
                .isEqualTo("attachment; filename=\"usage-" + alpha + "-2026-11-01-to-2026-12-01.csv\"");
        // h100 at $2.95/h and 1000 tok/s at full utilisation: 0.819444 per 1M tokens (rounded half-even).
        String from = "2026-11-01T00:00:00Z";
        String to = "2026-12-01T00:00:00Z";
        assertThat(csv.body()).isEqualTo(String.join("\r\n",
                "tenant,period_from,period_to,day,team,requests,prompt_tokens,completion_tokens,cached_tokens,"
                        + "cost_usd,reference_model,reference_cost_usd,unpriced_requests",
                alpha + "," + from + "," + to + ",2026-11-03,search,2,1500000,250000,0,1.434027,gpt-4o,6.250000,0",
                alpha + "," + from + "," + to + ",2026-11-04,\"ops,\"\"night\"\"\",1,10,20,0,0.000025,gpt-4o,"
                        + "0.000225,0",
                ""));
        assertProblem(http.get("/v1/billing/usage.csv?period=2026-11&groupBy=colour", asTenant(alpha)), 400);
    }
}
