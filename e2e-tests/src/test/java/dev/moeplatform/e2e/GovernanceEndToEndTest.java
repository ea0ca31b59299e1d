package dev.moeplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.testing.Http;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/** Cost and budgets on the real services: what a call cost, and a budget that concurrency cannot overrun. */
@ExtendWith(RunningPlatform.class)
class GovernanceEndToEndTest {

    static final String CHAT = "{\"model\":\"" + RunningPlatform.INFERENCE_MODEL + "\",\"max_tokens\":8,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"How much did this cost?\"}]}";

    /** A tenant of its own with team main and one key; returns the key. */
    private static String newTenant(Platform platform, String tenant) {
        Http admin = platform.admin();
        assertThat(admin.post("/admin/tenants", "application/json", "{\"id\":\"" + tenant + "\",\"name\":\"t\"}")
                .status()).isEqualTo(201);
        assertThat(admin.post("/admin/tenants/" + tenant + "/teams", "application/json",
                "{\"id\":\"main\",\"name\":\"m\"}").status()).isEqualTo(201);
        return admin.post("/admin/keys", "application/json", "{\"tenant\":\"" + tenant
                + "\",\"team\":\"main\",\"name\":\"k\"}").json().get("key").asString();
    }

    @Test
    void aCallSaysWhatItCostAndWhatItWouldHaveCostAtTheReferenceModel(Platform platform) {
        Http.Response response = platform.gateway().post("/v1/chat/completions", "application/json", CHAT);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode usage = response.json().get("usage");
        long prompt = usage.get("prompt_tokens").asLong();
        long completion = usage.get("completion_tokens").asLong();

        BigDecimal cost = RunningPlatform.MODEL_PRICE.multiply(BigDecimal.valueOf(prompt + completion))
                .movePointLeft(6).setScale(6, RoundingMode.HALF_EVEN);
        BigDecimal gpt4o = new BigDecimal("2.50").multiply(BigDecimal.valueOf(prompt))
                .add(new BigDecimal("10.00").multiply(BigDecimal.valueOf(completion))).movePointLeft(6)
                .setScale(6, RoundingMode.HALF_EVEN);
        assertThat(response.header("x-platform-cost-usd")).isEqualTo(cost.toPlainString());
        assertThat(response.header("x-platform-reference-model")).isEqualTo("gpt-4o");
        assertThat(response.header("x-platform-reference-cost-usd")).isEqualTo(gpt4o.toPlainString());
    }

    @Test
    void fiftyConcurrentCallsCannotTakeABudgetPastItsLimit(Platform platform) throws Exception {
        String tenant = "budget-" + Long.toString(System.nanoTime(), 36);
        String key = newTenant(platform, tenant);
        Http gateway = platform.anonymousGateway().withHeaders("Authorization", "Bearer " + key);
        Http.Response budget = platform.admin().send("PUT", "/admin/billing/budgets", "application/json",
                "{\"tenant\":\"" + tenant + "\",\"monthlyUsd\":0.50}");
        assertThat(budget.status()).as(budget.body()).isEqualTo(200);

        // Every call reserves its worst case (~$0.13 at this price), costs ~$0.02: a few at a time fit in $0.50.
        List<CompletableFuture<HttpResponse<String>>> calls;
        try (HttpClient client = HttpClient.newHttpClient()) {
            calls = IntStream.range(0, 50).mapToObj(i -> client.sendAsync(HttpRequest.newBuilder(URI.create(
                    platform.gatewayUrl() + "/v1/chat/completions"))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + key)
                    .timeout(Duration.ofMinutes(2)).POST(HttpRequest.BodyPublishers.ofString(CHAT)).build(),
                    HttpResponse.BodyHandlers.ofString())).toList();
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
        }
        Map<Integer, Long> statuses = calls.stream().map(CompletableFuture::join)
                .collect(Collectors.groupingBy(HttpResponse::statusCode, Collectors.counting()));
        assertThat(statuses.keySet()).as("%s", statuses).containsExactlyInAnyOrder(200, 429);
        assertThat(calls.stream().map(CompletableFuture::join).filter(r -> r.statusCode() == 429))
                .allSatisfy(r -> assertThat(r.body()).contains("insufficient_quota"));
        long served = statuses.get(200);

        // Once billing has ledgered every served call, the month's cost is within the budget.
        JsonNode totals = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            totals = gateway.get("/v1/billing/usage").json().get("totals");
            if (totals.get("requests").asLong() >= served) {
                break;
            }
            Thread.sleep(200);
        }
        assertThat(totals.get("requests").asLong()).isEqualTo(served);
        BigDecimal spent = new BigDecimal(totals.get("costUsd").asString());
        assertThat(spent).isPositive().isLessThanOrEqualTo(new BigDecimal("0.50"));
        System.out.printf("budget test: %d of 50 concurrent calls served, %s USD of a 0.50 USD budget%n", served,
                spent.toPlainString());
    }
}
