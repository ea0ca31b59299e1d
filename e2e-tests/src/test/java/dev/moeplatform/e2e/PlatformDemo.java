package dev.moeplatform.e2e;

import dev.moeplatform.testing.Http;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code scripts/platform demo}: the savings claim, measured on a running platform, through the gateway only, as a
 * customer would see it. Creates tenant {@code demo} with two teams and a key each (admin API), sends a small mixed
 * workload of real model calls (chat, streamed chat, completions) that the gateway meters into billing's ledger,
 * prices the served model from hardware and the throughput inference-service measured while serving it, and prints
 * the tenant's savings report.
 */
public final class PlatformDemo {

    static final String TENANT = "demo";
    static final String[] TEAMS = {"support", "analytics"};
    static final List<String> PROMPTS = List.of(
            "Summarise our refund policy for a customer in two sentences.",
            "Draft a polite reply to a customer whose order arrived late.",
            "List three risks in migrating our billing system to a new vendor.",
            "Explain what a Mixture-of-Experts model is to a finance manager.",
            "Write a SQL query that counts orders per region for last month.",
            "Classify this ticket: 'The invoice PDF will not open on my phone.'",
            "Translate 'Your subscription renews on the first of the month' into French.",
            "Give five bullet points for a weekly engineering status update.");

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private PlatformDemo() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>(Map.of("--gateway", "http://127.0.0.1:8080",
                "--hardware-profile", "cpu-server", "--utilisation", "0.5"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        String adminToken = System.getenv("GATEWAY_ADMIN_TOKEN");
        if (adminToken == null || adminToken.isBlank()) {
            throw new IllegalStateException("GATEWAY_ADMIN_TOKEN is not set (scripts/platform demo sets it)");
        }
        Http gateway = new Http(options.get("--gateway"));
        Http admin = gateway.withHeaders("Authorization", "Bearer " + adminToken);

        System.out.println("== tenant '" + TENANT + "', teams " + String.join(" and ", TEAMS) + ", a key each; "
                + "reference model gpt-4o, monthly budget $5.00");
        expectOneOf(admin.post("/admin/tenants", "application/json",
                "{\"id\":\"" + TENANT + "\",\"name\":\"Savings demo\"}"), 201, 409);
        Map<String, Http> teams = new HashMap<>();
        for (String team : TEAMS) {
            expectOneOf(admin.post("/admin/tenants/" + TENANT + "/teams", "application/json",
                    "{\"id\":\"" + team + "\",\"name\":\"" + team + "\"}"), 201, 409);
            Http.Response key = admin.post("/admin/keys", "application/json", "{\"tenant\":\"" + TENANT
                    + "\",\"team\":\"" + team + "\",\"name\":\"demo " + team + "\"}");
            expectOneOf(key, 201);
            teams.put(team, gateway.withHeaders("Authorization", "Bearer " + key.json().get("key").asString()));
        }
        Http demo = teams.get(TEAMS[0]);
        expectOneOf(demo.send("PUT", "/v1/billing/tenants/" + TENANT + "/settings", "application/json",
                "{\"referenceModel\":\"gpt-4o\"}"), 200);
        expectOneOf(admin.send("PUT", "/admin/billing/budgets", "application/json",
                "{\"tenant\":\"" + TENANT + "\",\"monthlyUsd\":5.00}"), 200);

        String model = options.getOrDefault("--model", firstModel(demo));
        long before = demo.get("/v1/billing/usage").json().get("totals").get("requests").asLong();
        System.out.println("== workload: " + PROMPTS.size() * 3 + " calls to '" + model + "' through the gateway");
        int calls = workload(teams, model);

        System.out.println("== pricing '" + model + "' from hardware profile '" + options.get("--hardware-profile")
                + "' and the throughput inference-service measured");
        Http.Response price = admin.post("/admin/billing/prices/self-hosted", "application/json", """
                {"model":"%s","hardwareProfile":"%s","utilisation":%s}""".formatted(model,
                options.get("--hardware-profile"), options.get("--utilisation")));
        if (price.status() == 409) {
            System.out.println("   (already priced this hour; keeping that version)");
        } else {
            expectOneOf(price, 201);
        }

        System.out.println("== waiting for the gateway's usage events to reach the ledger");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (demo.get("/v1/billing/usage").json().get("totals").get("requests").asLong() < before + calls) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the ledger did not receive the demo's usage in 60 s");
            }
            Thread.sleep(200);
        }
        printSavings(demo.get("/v1/billing/savings").json());
    }

    private static String firstModel(Http gateway) {
        for (JsonNode model : gateway.get("/v1/models").json().get("data")) {
            if (model.toString().contains("native")) {
                return model.get("id").asString();
            }
        }
        throw new IllegalStateException("the platform serves no model on the native engine");
    }

    /** Each prompt as a chat, a streamed chat and a completion, from alternating teams; returns the calls made. */
    /** Tokens one response reported in its {@code usage}. */
    private record Reported(long prompt, long completion) {
    }

    private static int workload(Map<String, Http> teams, String model) {
        List<Reported> calls = new ArrayList<>();
        int n = 0;
        for (String prompt : PROMPTS) {
            Http gateway = teams.get(TEAMS[n++ % TEAMS.length]);
            String chat = "{\"model\":\"%s\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":%s}]"
                    .formatted(model, JSON.writeValueAsString(prompt));
            calls.add(call(gateway, "/v1/chat/completions", chat + "}"));
            calls.add(call(gateway, "/v1/chat/completions",
                    chat + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}"));
            calls.add(call(gateway, "/v1/completions", "{\"model\":\"%s\",\"max_tokens\":32,\"prompt\":%s}"
                    .formatted(model, JSON.writeValueAsString(prompt))));
        }
        System.out.printf("   %d calls: %,d prompt tokens, %,d completion tokens (as the responses reported)%n",
                calls.size(), calls.stream().mapToLong(Reported::prompt).sum(),
                calls.stream().mapToLong(Reported::completion).sum());
        return calls.size();
    }

    private static Reported call(Http gateway, String path, String body) {
        Http.Response response = gateway.post(path, "application/json", body);
        expectOneOf(response, 200);
        JsonNode usage = null;
        if (response.contentType().startsWith("text/event-stream")) {
            for (String line : response.body().lines().toList()) {
                if (line.startsWith("data: {") && line.contains("\"usage\":{")) {
                    usage = JSON.readTree(line.substring(6)).get("usage");
                }
            }
        } else {
            usage = response.json().get("usage");
        }
        if (usage == null) {
            throw new IllegalStateException("no usage in the response to " + path);
        }
        return new Reported(usage.get("prompt_tokens").asLong(), usage.get("completion_tokens").asLong());
    }

    private static void printSavings(JsonNode report) {
        System.out.println();
        System.out.println("== savings report, tenant '" + report.get("tenant").asString() + "', "
                + report.get("period").asString() + " (from the ledger)");
        System.out.printf("   %,d requests, %,d prompt + %,d completion tokens%n", report.get("requests").asLong(),
                report.get("promptTokens").asLong(), report.get("completionTokens").asLong());
        System.out.printf("   actual cost     $%s%n", report.get("actualCostUsd").asString());
        System.out.printf("   at %-12s $%s%n", report.get("referenceModel").asString(),
                report.get("referenceCostUsd").asString());
        System.out.println("   >> " + report.get("summary").asString());
        for (JsonNode model : report.get("byModel")) {
            System.out.printf("   model %s: $%s vs $%s, ratio %s%n", model.get("model").asString(),
                    model.get("actualCostUsd").asString(), model.get("referenceCostUsd").asString(),
                    model.get("ratio") == null ? "-" : model.get("ratio").asString());
            for (JsonNode price : model.get("prices")) {
                JsonNode inputs = price.get("selfHosted");
                System.out.printf("     price from %s: $%s per 1M tokens%n", price.get("effectiveFrom").asString(),
                        price.get("outputPerMillion").asString());
                if (inputs != null) {
                    System.out.printf("       = $%s/h x %d (%s) / (%s tok/s x 3600 x %s) x 10^6; throughput %s%n",
                            inputs.get("usdPerHour").asString(), inputs.get("acceleratorCount").asInt(),
                            inputs.get("accelerator").asString(), inputs.get("tokensPerSecond").asString(),
                            inputs.get("utilisation").asString(), inputs.get("throughputSource").asString());
                }
            }
        }
        for (JsonNode price : report.get("referencePrices")) {
            System.out.printf("   reference %s: $%s in / $%s cached / $%s out per 1M tokens (%s, %s)%n",
                    price.get("model").asString(), price.get("inputPerMillion").asString(),
                    price.get("cachedInputPerMillion").asString(), price.get("outputPerMillion").asString(),
                    price.get("source").asString(), price.get("sourceDate").asString());
        }
        for (JsonNode team : report.get("byTeam")) {
            System.out.printf("   team %s: %s requests, $%s vs $%s%n", team.get("team").asString(),
                    team.get("requests").asString(), team.get("actualCostUsd").asString(),
                    team.get("referenceCostUsd").asString());
        }
    }

    private static void expectOneOf(Http.Response response, int... statuses) {
        for (int status : statuses) {
            if (response.status() == status) {
                return;
            }
        }
        throw new IllegalStateException("expected " + java.util.Arrays.toString(statuses) + " but got " + response);
    }
}
