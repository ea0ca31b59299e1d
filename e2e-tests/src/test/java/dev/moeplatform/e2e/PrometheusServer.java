package dev.moeplatform.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real Prometheus server (Debian's {@code prometheus} package, which scripts/platform installs) scraping the running
 * services every second and evaluating rule files, with a small client for its HTTP API.
 */
final class PrometheusServer implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final String baseUrl;
    private final Path log;
    private final HttpClient http = HttpClient.newHttpClient();

    private PrometheusServer(Process process, String baseUrl, Path log) {
        this.process = process;
        this.baseUrl = baseUrl;
        this.log = log;
    }

    /**
     * @param targets scrape job name (as in docker-compose and the chart: the service's name) to the service's base
     *     URL; each is scraped at /actuator/prometheus
     */
    static PrometheusServer start(Map<String, String> targets, List<Path> ruleFiles, Path workDir)
            throws IOException, InterruptedException {
        String binary = binary();
        Files.createDirectories(workDir);
        StringBuilder config = new StringBuilder("""
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files:
                """);
        for (Path rules : ruleFiles) {
            config.append("  - ").append(rules.toAbsolutePath()).append('\n');
        }
        config.append("scrape_configs:\n");
        targets.forEach((job, url) -> config.append("  - job_name: ").append(job).append('\n')
                .append("    metrics_path: /actuator/prometheus\n")
                .append("    static_configs:\n")
                .append("      - targets: [\"").append(URI.create(url).getAuthority()).append("\"]\n"));
        Path configFile = workDir.resolve("prometheus.yml");
        Files.writeString(configFile, config);
        int port = RunningPlatform.freePort();
        Path log = workDir.resolve("prometheus.log");
        Process process = new ProcessBuilder(binary, "--config.file=" + configFile,
                "--storage.tsdb.path=" + workDir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusServer server = new PrometheusServer(process, "http://127.0.0.1:" + port, log);
        server.awaitReady();
        return server;
    }

    /** {@code PROMETHEUS_BIN}, else {@code prometheus} on the PATH. */
    private static String binary() {
        String configured = System.getenv("PROMETHEUS_BIN");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path candidate = Path.of(dir, "prometheus");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IllegalStateException("No prometheus binary: install Debian's prometheus package "
                + "(scripts/platform test does) or set PROMETHEUS_BIN");
    }

    private void awaitReady() throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("prometheus exited: " + Files.readString(log));
            }
            try {
                if (get("/-/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("prometheus was not ready in " + STARTUP_TIMEOUT + ": " + Files.readString(log));
    }

    /** The result of an instant query ({@code data.result}); throws with Prometheus's error for an invalid one. */
    JsonNode query(String promql) {
        JsonNode answer = api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        return answer.get("data").get("result");
    }

    /** Every metric name Prometheus has stored (what the scraped services export, plus its own {@code up} etc.). */
    TreeSet<String> metricNames() {
        TreeSet<String> names = new TreeSet<>();
        api("/api/v1/label/__name__/values").get("data").forEach(n -> names.add(n.asString()));
        return names;
    }

    /** {@code data.activeTargets} of the targets API. */
    JsonNode targets() {
        return api("/api/v1/targets").get("data").get("activeTargets");
    }

    /** {@code data.groups} of the rules API: every loaded rule with its health and last error. */
    JsonNode ruleGroups() {
        return api("/api/v1/rules").get("data").get("groups");
    }

    private JsonNode api(String pathAndQuery) {
        try {
            HttpResponse<String> response = get(pathAndQuery);
            JsonNode body = JSON.readTree(response.body());
            if (response.statusCode() != 200 || !"success".equals(body.path("status").asString())) {
                throw new PromQlError(body.path("errorType").asString() + ": " + body.path("error").asString());
            }
            return body;
        } catch (IOException e) {
            throw new IllegalStateException("prometheus API " + pathAndQuery + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl + pathAndQuery)).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Prometheus refused a query (bad syntax, wrong types): its own message. */
    static final class PromQlError extends RuntimeException {
        PromQlError(String message) {
            super(message);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        http.close();
    }
}
