package dev.moeplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.testing.Http;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Grafana dashboards and Prometheus alert rules under helm/ are true to the code: a real Prometheus scrapes the
 * running services while traffic goes through the gateway (every kind the dashboards show: chat, streams,
 * embeddings, a vLLM model, a fallback, a server error, a rate-limit refusal, a budget alert, RAG ingestion, search
 * and answers), then every panel's, variable's and rule's PromQL is evaluated through Prometheus's HTTP API. A query
 * fails the test when Prometheus refuses it, when it names a metric no service exports, or (panels) when it shows
 * no data after that traffic.
 */
@ExtendWith(RunningPlatform.class)
class DashboardsAndAlertsEndToEndTest {

    private static final Path ROOT = Path.of(System.getProperty("platform.root", "..")).toAbsolutePath().normalize();
    private static final Path DASHBOARDS = ROOT.resolve("helm/dashboards");
    private static final Path RULES = ROOT.resolve("helm/alerts/platform-alerts.yaml");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Names Prometheus makes itself for every target; every other name must come from a service. */
    private static final Set<String> PROMETHEUS_OWN = Set.of("up");
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(90);

    private static PrometheusServer prometheus;

    @BeforeAll
    static void scrapeThePlatformWhileTrafficGoesThroughTheGateway(Platform platform) throws Exception {
        Map<String, String> targets = new LinkedHashMap<>();
        for (String service : List.of("gateway", "inference", "rag", "billing")) {
            targets.put(service + "-service", platform.baseUrl(service));
        }
        prometheus = PrometheusServer.start(targets, List.of(RULES),
                ROOT.resolve("e2e-tests/target/prometheus-" + RunningPlatform.RUN));
        Traffic.send(platform);
        // Counters appear with their first event; rates need two scrapes of them. Wait until every panel shows
        // data (or time out and let the tests below say which do not).
        long start = System.nanoTime();
        long deadline = start + SETTLE_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline && !panelProblems().isEmpty()) {
            Thread.sleep(1000);
        }
        System.out.printf("dashboards: every panel showed data %.1f s after the traffic (or the wait timed out)%n",
                (System.nanoTime() - start) / 1e9);
    }

    @AfterAll
    static void stopPrometheus() {
        if (prometheus != null) {
            prometheus.close();
        }
    }

    @Test
    void prometheusScrapesEveryServiceCleanly() {
        List<String> scraped = new ArrayList<>();
        for (JsonNode target : prometheus.targets()) {
            String job = target.get("labels").get("job").asString();
            assertThat(target.get("health").asString()).as("%s: %s", job, target.get("lastError").asString())
                    .isEqualTo("up");
            scraped.add(job);
        }
        assertThat(scraped).containsExactlyInAnyOrder("gateway-service", "inference-service", "rag-service",
                "billing-service");
    }

    @Test
    void everyDashboardPanelQueryIsValidNamesExportedMetricsAndShowsData() throws IOException {
        assertThat(dashboards()).extracting(d -> d.get("title").asString())
                .containsExactlyInAnyOrder("Cost and savings", "Inference", "Gateway", "RAG");
        List<String> problems = panelProblems();
        assertThat(problems).as("dashboard queries that fail:\n%s", String.join("\n", problems)).isEmpty();
    }

    @Test
    void everyDashboardVariableListsValues() throws IOException {
        List<String> problems = new ArrayList<>();
        Set<String> exported = prometheus.metricNames();
        for (JsonNode dashboard : dashboards()) {
            for (JsonNode variable : dashboard.get("templating").get("list")) {
                if (!variable.get("type").asString().equals("query")) {
                    continue;
                }
                String where = dashboard.get("title").asString() + " / variable " + variable.get("name").asString();
                String promql = PromQl.withGrafanaVariables(PromQl.variableQuery(
                        variable.get("definition").asString()));
                check(where, promql, true, exported, problems);
            }
        }
        assertThat(problems).as("dashboard variables that fail:\n%s", String.join("\n", problems)).isEmpty();
    }

    @Test
    void everyAlertRuleIsLoadedEvaluatesAndNamesExportedMetrics() throws IOException {
        Map<String, List<String>> inFile = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        Set<String> exported = prometheus.metricNames();
        for (Map<String, Object> group : ruleFileGroups()) {
            List<String> alerts = new ArrayList<>();
            for (Map<String, Object> rule : rules(group)) {
                String alert = (String) rule.get("alert");
                alerts.add(alert);
                check(group.get("name") + " / " + alert, (String) rule.get("expr"), false, exported, problems);
            }
            inFile.put((String) group.get("name"), alerts);
        }
        Map<String, List<String>> loaded = new LinkedHashMap<>();
        for (JsonNode group : prometheus.ruleGroups()) {
            List<String> alerts = new ArrayList<>();
            for (JsonNode rule : group.get("rules")) {
                alerts.add(rule.get("name").asString());
                if (!rule.get("health").asString().equals("ok")) {
                    problems.add(group.get("name").asString() + " / " + rule.get("name").asString() + ": health "
                            + rule.get("health").asString() + " " + rule.path("lastError").asString());
                }
            }
            loaded.put(group.get("name").asString(), alerts);
        }
        assertThat(loaded).as("rule groups Prometheus loaded").isEqualTo(inFile);
        assertThat(inFile.values().stream().flatMap(List::stream))
                .contains("BudgetNearlySpent", "GatewayHighErrorRate", "TimeToFirstTokenHigh",
                        "BackendFallbackRateHigh", "MeteringBufferFilling", "UsageConsumerLag");
        assertThat(problems).as("alert rules that fail:\n%s", String.join("\n", problems)).isEmpty();
    }

    // ---- checks ------------------------------------------------------------------------------------------------

    /** Every panel target that is invalid, names a metric nobody exports, or shows no data; empty when all pass. */
    private static List<String> panelProblems() throws IOException {
        List<String> problems = new ArrayList<>();
        Set<String> exported = prometheus.metricNames();
        for (JsonNode dashboard : dashboards()) {
            for (JsonNode panel : dashboard.get("panels")) {
                if (panel.get("type").asString().equals("row")) {
                    continue;
                }
                String where = dashboard.get("title").asString() + " / " + panel.get("title").asString();
                JsonNode targets = panel.path("targets");
                if (targets.isEmpty()) {
                    problems.add(where + ": no query");
                }
                for (JsonNode target : targets) {
                    check(where + " [" + target.get("refId").asString() + "]",
                            PromQl.withGrafanaVariables(target.get("expr").asString()), true, exported, problems);
                }
            }
        }
        return problems;
    }

    private static void check(String where, String promql, boolean mustShowData, Set<String> exported,
            List<String> problems) {
        Set<String> missing = new TreeSet<>(PromQl.metricNames(promql));
        if (missing.isEmpty()) {
            problems.add(where + ": names no metric: " + promql);
        }
        missing.removeAll(exported);
        missing.removeAll(PROMETHEUS_OWN);
        if (!missing.isEmpty()) {
            problems.add(where + ": no service exports " + missing);
        }
        try {
            JsonNode result = prometheus.query(promql);
            if (mustShowData && result.isEmpty()) {
                problems.add(where + ": no data: " + promql);
            }
        } catch (PrometheusServer.PromQlError invalid) {
            problems.add(where + ": Prometheus refuses it (" + invalid.getMessage() + "): " + promql);
        }
    }

    private static List<JsonNode> dashboards() throws IOException {
        try (Stream<Path> files = Files.list(DASHBOARDS)) {
            List<JsonNode> dashboards = new ArrayList<>();
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                dashboards.add(JSON.readTree(file.toFile()));
            }
            return dashboards;
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> ruleFileGroups() throws IOException {
        Map<String, Object> file = new Yaml().load(Files.readString(RULES));
        return (List<Map<String, Object>>) file.get("groups");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rules(Map<String, Object> group) {
        return (List<Map<String, Object>>) group.get("rules");
    }

    /** What the platform's users do, through the gateway, so that every meter the dashboards read has values. */
    private static final class Traffic {

        static void send(Platform platform) {
            // A tenant of its own (other tests count their tenant's usage exactly): one key for the traffic, one
            // limited to a request per minute, and a budget that alerts at 1 %.
            String tenant = "obs-" + RunningPlatform.RUN;
            Http admin = platform.admin();
            expect(admin.post("/admin/tenants", "application/json",
                    "{\"id\":\"" + tenant + "\",\"name\":\"Observability\"}"), 201);
            expect(admin.post("/admin/tenants/" + tenant + "/teams", "application/json",
                    "{\"id\":\"ops\",\"name\":\"Ops\"}"), 201);
            expect(admin.send("PUT", "/admin/billing/budgets", "application/json",
                    "{\"tenant\":\"" + tenant + "\",\"monthlyUsd\":1,\"thresholds\":[1]}"), 200);
            Http gateway = withKey(platform, expect(admin.post("/admin/keys", "application/json", "{\"tenant\":\""
                    + tenant + "\",\"team\":\"ops\",\"name\":\"traffic\"}"), 201).json().get("key").asString());
            Http limited = withKey(platform, expect(admin.post("/admin/keys", "application/json", "{\"tenant\":\""
                    + tenant + "\",\"team\":\"ops\",\"name\":\"limited\",\"rpmLimit\":1}"), 201).json().get("key")
                    .asString());

            chat(gateway, RunningPlatform.INFERENCE_MODEL, false, 200);
            chat(gateway, RunningPlatform.INFERENCE_MODEL, true, 200);
            expect(gateway.post("/v1/completions", "application/json", "{\"model\":\""
                    + RunningPlatform.INFERENCE_MODEL + "\",\"prompt\":\"Once upon\",\"max_tokens\":4}"), 200);
            expect(gateway.post("/v1/embeddings", "application/json",
                    "{\"model\":\"all-minilm-l6-v2\",\"input\":[\"budgets\",\"savings\"]}"), 200);
            chat(gateway, RunningPlatform.RAG_MODEL, false, 200);                // the vLLM backend
            Http.Response fellBack = chat(gateway, RunningPlatform.FALLBACK_MODEL, false, 200);
            assertThat(fellBack.header("x-platform-backend")).isEqualTo("native");
            chat(gateway, RunningPlatform.VLLM_MODEL, false, 503);               // its vLLM server is not there
            expect(platform.anonymousGateway().withHeaders("Authorization", "Bearer sk-moe-nope-nope")
                    .post("/v1/chat/completions", "application/json", "{}"), 401);
            chat(limited, RunningPlatform.INFERENCE_MODEL, false, 200);
            chat(limited, RunningPlatform.INFERENCE_MODEL, false, 429);

            // RAG: a collection, a document, searches in every mode, a grounded answer.
            String collection = expect(gateway.post("/v1/rag/collections", "application/json",
                    "{\"name\":\"observability\"}"), 201).json().get("id").asString();
            expect(gateway.post("/v1/rag/collections/" + collection + "/documents", "application/json",
                    "{\"id\":\"wal\",\"mediaType\":\"text/markdown\",\"content\":\"# Write-ahead log\\n\\n"
                            + "Rows are written to the write-ahead log first, then to the table.\"}"), 201);
            for (String mode : List.of("vector", "keyword", "hybrid")) {
                expect(gateway.post("/v1/rag/collections/" + collection + "/search", "application/json",
                        "{\"query\":\"write-ahead log\",\"mode\":\"" + mode + "\"}"), 200);
            }
            // Answered by RunningPlatform.RAG_MODEL, rag-service's chat model in these tests.
            expect(gateway.post("/v1/rag/collections/" + collection + "/ask", "application/json",
                    "{\"question\":\"Where are rows written first?\"}"), 200);
        }

        private static Http withKey(Platform platform, String key) {
            return platform.anonymousGateway().withHeaders("Authorization", "Bearer " + key);
        }

        private static Http.Response chat(Http gateway, String model, boolean stream, int status) {
            return expect(gateway.post("/v1/chat/completions", "application/json", "{\"model\":\"" + model
                    + "\",\"max_tokens\":6,\"stream\":" + stream
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"What does the cost dashboard show?\"}]}"),
                    status);
        }

        private static Http.Response expect(Http.Response response, int status) {
            assertThat(response.status()).as("%s", response).isEqualTo(status);
            return response;
        }
    }
}
