package dev.moeplatform.e2e;

import com.sun.net.httpserver.HttpServer;
import dev.moeplatform.testing.Http;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gateway's overhead, on this machine: {@code scripts/platform bench-gateway}. Not a test; it prints figures.
 *
 * <p>The gateway runs as its own process with everything on (API key auth, requests/tokens-per-minute limits,
 * budget reservation against a real billing-service, usage metering to Kafka), in front of (1) an upstream stub on
 * loopback that answers like vLLM's OpenAI-compatible server, then (2) the real inference-service. Latency is
 * measured from the moment a request was due (open loop), through the gateway and directly to the same upstream in
 * the same run, so "overhead" is the difference of the two distributions' percentiles.
 */
public final class GatewayBenchmark {

    static final String CHAT = "{\"model\":\"%s\",\"max_tokens\":%d,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Say hi\"}]%s}";

    private GatewayBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = 15;
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (args[i].equals("--seconds")) {
                seconds = Integer.parseInt(args[i + 1]);
            }
        }
        Path root = Path.of(System.getProperty("platform.root", "..")).toAbsolutePath().normalize();
        Path logs = root.resolve("e2e-tests/target/bench-logs");
        System.out.printf("gateway benchmark: %d CPUs; client, gateway, upstream, billing, PostgreSQL, Redis and Kafka "
                + "share them%n", Runtime.getRuntime().availableProcessors());
        try (Stub stub = new Stub()) {
            Map<String, Integer> ports = new HashMap<>();
            for (String service : List.of("gateway", "inference", "rag", "billing")) {
                ports.put(service, RunningPlatform.freePort());
            }
            ServiceProcess billing = ServiceProcess.start("billing", jar(root, "billing"), ports.get("billing"),
                    RunningPlatform.environmentFor("billing", ports, null), logs);
            ServiceProcess inference = ServiceProcess.start("inference", jar(root, "inference"),
                    ports.get("inference"), RunningPlatform.environmentFor("inference", ports, null), logs);
            try {
                billing.awaitReady(Instant.now().plus(Duration.ofMinutes(3)));
                inference.awaitReady(Instant.now().plus(Duration.ofMinutes(3)));
                try (ServiceProcess gateway = startGateway(root, logs, ports, stub.url())) {
                    String key = setUp(gateway.http(), RunningPlatform.INFERENCE_MODEL, "stub-model");
                    System.out.println("\n[1] upstream stub on loopback (chat, non-streamed, 5 tokens)");
                    sequential(gateway.baseUrl(), stub.url(), key, "stub-model", 1000);
                    for (int rate : new int[] {100, 1000}) {
                        openLoop(rate, seconds, gateway.baseUrl(), stub.url(), key, "stub-model");
                    }
                    maxThroughput(gateway.baseUrl(), key, "stub-model", seconds);
                    timeToFirstByte(gateway.baseUrl(), stub.url(), key, "stub-model", 100);
                }
                try (ServiceProcess gateway = startGateway(root, logs, ports,
                        "http://127.0.0.1:" + ports.get("inference"))) {
                    String key = setUp(gateway.http(), RunningPlatform.INFERENCE_MODEL, null);
                    System.out.println("\n[2] the real inference-service (bundled model, chat, 4 tokens)");
                    sequential(gateway.baseUrl(), "http://127.0.0.1:" + ports.get("inference"), key,
                            RunningPlatform.INFERENCE_MODEL, 300);
                    openLoop(20, seconds, gateway.baseUrl(), "http://127.0.0.1:" + ports.get("inference"), key,
                            RunningPlatform.INFERENCE_MODEL);
                    timeToFirstByte(gateway.baseUrl(), "http://127.0.0.1:" + ports.get("inference"), key,
                            RunningPlatform.INFERENCE_MODEL, 50);
                }
            } finally {
                inference.close();
                billing.close();
            }
        }
        System.exit(0);
    }

    private static Path jar(Path root, String service) {
        return root.resolve(service + "-service/target/" + service + "-service.jar");
    }

    private static ServiceProcess startGateway(Path root, Path logs, Map<String, Integer> ports, String upstream)
            throws Exception {
        Map<String, String> env = RunningPlatform.environmentFor("gateway", ports, null);
        env.put("INFERENCE_URL", upstream);
        // Production settings, not the functional tests' small heap and C1-only JIT.
        ServiceProcess gateway = ServiceProcess.start("gateway", jar(root, "gateway"), ports.get("gateway"), env,
                logs, List.of("-Xmx768m"));
        gateway.awaitReady(Instant.now().plus(Duration.ofMinutes(3)));
        return gateway;
    }

    /** A tenant with a budget, a key with limits far above the load, prices for the models; returns the key. */
    private static String setUp(Http gateway, String... models) {
        Http admin = gateway.withHeaders("Authorization", "Bearer " + RunningPlatform.ADMIN_TOKEN);
        String tenant = "bench-" + Long.toString(System.nanoTime(), 36);
        admin.post("/admin/tenants", "application/json", "{\"id\":\"" + tenant + "\",\"name\":\"b\","
                + "\"rpmLimit\":10000000,\"tpmLimit\":1000000000}");
        admin.post("/admin/tenants/" + tenant + "/teams", "application/json", "{\"id\":\"main\",\"name\":\"m\"}");
        for (String model : models) {
            if (model != null) {
                admin.post("/admin/billing/prices/self-hosted", "application/json", "{\"model\":\"" + model
                        + "\",\"hardwareProfile\":\"h100\",\"tokensPerSecond\":1000,\"utilisation\":0.5,"
                        + "\"effectiveFrom\":\"" + Instant.now().truncatedTo(java.time.temporal.ChronoUnit.HOURS)
                        + "\"}");
            }
        }
        admin.send("PUT", "/admin/billing/budgets", "application/json", "{\"tenant\":\"" + tenant
                + "\",\"monthlyUsd\":1000000}");
        Http.Response key = admin.post("/admin/keys", "application/json", "{\"tenant\":\"" + tenant
                + "\",\"team\":\"main\",\"name\":\"bench\",\"rpmLimit\":10000000,\"tpmLimit\":1000000000}");
        if (key.status() != 201) {
            throw new IllegalStateException("cannot create the benchmark key: " + key);
        }
        return key.json().get("key").asString();
    }

    /** {@code rate} requests/s through the gateway and {@code rate} directly, interleaved, for {@code seconds}. */
    private static void openLoop(int rate, int seconds, String gateway, String direct, String key, String model)
            throws Exception {
        String body = CHAT.formatted(model, model.equals("stub-model") ? 5 : 4, "");
        ConcurrentLinkedQueue<Long> viaGateway = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Long> directly = new ConcurrentLinkedQueue<>();
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger dropped = new AtomicInteger();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        // Warm up both paths (JIT, connections) before measuring.
        for (int i = 0; i < 200; i++) {
            send(client, gateway, key, body).join();
            send(client, direct, null, body).join();
        }
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        long total = (long) rate * seconds;
        AtomicLong sent = new AtomicLong();
        long periodNanos = 1_000_000_000L / rate;
        long start = System.nanoTime();
        ticker.scheduleAtFixedRate(() -> {
            long n = sent.getAndIncrement();
            if (n >= total) {
                return;
            }
            long due = start + n * periodNanos;
            if (inFlight.get() > 4 * rate) { // the target cannot keep up: count, do not pile up without bound
                dropped.addAndGet(2);
                return;
            }
            for (boolean throughGateway : new boolean[] {true, false}) {
                inFlight.incrementAndGet();
                send(client, throughGateway ? gateway : direct, throughGateway ? key : null, body)
                        .whenComplete((response, failure) -> {
                            inFlight.decrementAndGet();
                            if (failure != null || response.statusCode() != 200) {
                                errors.incrementAndGet();
                            } else {
                                (throughGateway ? viaGateway : directly).add(System.nanoTime() - due);
                            }
                        });
            }
        }, 0, periodNanos, TimeUnit.NANOSECONDS);
        while (sent.get() < total) {
            Thread.sleep(50);
        }
        ticker.shutdownNow();
        long drainDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < drainDeadline) {
            Thread.sleep(20);
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        List<Long> g = sorted(viaGateway);
        List<Long> d = sorted(directly);
        System.out.printf("  %5d req/s offered (x2: through the gateway and direct), %d s: achieved %.0f req/s through "
                + "the gateway, %d errors, %d not sent (over %d in flight)%n", rate, seconds, g.size() / elapsed,
                errors.get(), dropped.get(), 4 * rate);
        System.out.printf("    latency p50 / p99: gateway %s / %s ms, direct %s / %s ms -> overhead p50 %s ms, p99 %s ms%n",
                ms(pct(g, 50)), ms(pct(g, 99)), ms(pct(d, 50)), ms(pct(d, 99)), ms(pct(g, 50) - pct(d, 50)),
                ms(pct(g, 99) - pct(d, 99)));
        client.close();
    }

    /** One request at a time, alternating gateway and direct: the overhead without any queueing. */
    private static void sequential(String gateway, String direct, String key, String model, int count)
            throws Exception {
        String body = CHAT.formatted(model, model.equals("stub-model") ? 5 : 4, "");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<Long> g = new ArrayList<>();
        List<Long> d = new ArrayList<>();
        for (int i = 0; i < count + 200; i++) {
            long start = System.nanoTime();
            int gs = client.send(request(gateway, key, body), HttpResponse.BodyHandlers.ofString()).statusCode();
            long viaGateway = System.nanoTime() - start;
            start = System.nanoTime();
            int ds = client.send(request(direct, null, body), HttpResponse.BodyHandlers.ofString()).statusCode();
            long directly = System.nanoTime() - start;
            if (gs != 200 || ds != 200) {
                throw new IllegalStateException("status " + gs + " / " + ds);
            }
            if (i >= 200) { // the first 200 warm up both paths
                g.add(viaGateway);
                d.add(directly);
            }
        }
        Collections.sort(g);
        Collections.sort(d);
        System.out.printf("  one at a time (%d each): gateway p50 / p99 %s / %s ms, direct %s / %s ms -> overhead p50 "
                + "%s ms, p99 %s ms%n", count, ms(pct(g, 50)), ms(pct(g, 99)), ms(pct(d, 50)), ms(pct(d, 99)),
                ms(pct(g, 50) - pct(d, 50)), ms(pct(g, 99) - pct(d, 99)));
        client.close();
    }

    /** Closed loop: 32 clients back to back through the gateway; completed requests per second. */
    private static void maxThroughput(String gateway, String key, String model, int seconds) throws Exception {
        String body = CHAT.formatted(model, 5, "");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        AtomicLong done = new AtomicLong();
        AtomicInteger errors = new AtomicInteger();
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            workers.add(Thread.ofVirtual().start(() -> {
                while (System.nanoTime() < end) {
                    HttpResponse<String> response = send(client, gateway, key, body).join();
                    if (response.statusCode() == 200) {
                        done.incrementAndGet();
                    } else {
                        errors.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread worker : workers) {
            worker.join();
        }
        System.out.printf("  max sustained through the gateway (32 clients back to back): %.0f req/s, %d errors%n",
                done.get() / (double) seconds, errors.get());
        client.close();
    }

    /** Time to the first byte of a streamed answer, through the gateway and directly. */
    private static void timeToFirstByte(String gateway, String direct, String key, String model, int count)
            throws Exception {
        String body = CHAT.formatted(model, 8, ",\"stream\":true");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<Long> g = new ArrayList<>();
        List<Long> d = new ArrayList<>();
        for (int i = 0; i < count + 10; i++) {
            long viaGateway = firstByte(client, gateway, key, body);
            long directly = firstByte(client, direct, null, body);
            if (i >= 10) {
                g.add(viaGateway);
                d.add(directly);
            }
        }
        Collections.sort(g);
        Collections.sort(d);
        System.out.printf("  streaming time to first byte p50 / p99: gateway %s / %s ms, direct %s / %s ms (%d streams)%n",
                ms(pct(g, 50)), ms(pct(g, 99)), ms(pct(d, 50)), ms(pct(d, 99)), count);
        client.close();
    }

    private static long firstByte(HttpClient client, String base, String key, String body) throws Exception {
        long start = System.nanoTime();
        HttpResponse<InputStream> response = client.send(request(base, key, body),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            in.read();
            long first = System.nanoTime() - start;
            in.readAllBytes();
            return first;
        }
    }

    private static java.util.concurrent.CompletableFuture<HttpResponse<String>> send(HttpClient client, String base,
            String key, String body) {
        return client.sendAsync(request(base, key, body), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest request(String base, String key, String body) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            builder.header("Authorization", "Bearer " + key);
        }
        return builder.build();
    }

    private static List<Long> sorted(ConcurrentLinkedQueue<Long> values) {
        List<Long> list = new ArrayList<>(values);
        Collections.sort(list);
        return list;
    }

    private static long pct(List<Long> sorted, int percentile) {
        if (sorted.isEmpty()) {
            return 0;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1));
    }

    private static String ms(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.2f", nanos / 1e6);
    }

    /** An upstream that answers chat completions like vLLM's OpenAI-compatible server: JSON with usage, or SSE. */
    static final class Stub implements AutoCloseable {

        private final HttpServer server;

        Stub() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/", exchange -> {
                try (exchange) {
                    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().set("x-platform-backend", "vllm");
                    if (body.contains("\"stream\":true")) {
                        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
                        exchange.sendResponseHeaders(200, 0);
                        OutputStream out = exchange.getResponseBody();
                        for (int i = 0; i < 8; i++) {
                            out.write(("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{"
                                    + "\"index\":0,\"delta\":{\"content\":\"hi \"},\"finish_reason\":null}]}\n\n")
                                    .getBytes(StandardCharsets.UTF_8));
                            out.flush();
                        }
                        if (body.contains("\"include_usage\":true")) {
                            out.write(("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
                                    + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":8,\"total_tokens\":17}}\n\n")
                                    .getBytes(StandardCharsets.UTF_8));
                        }
                        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                        return;
                    }
                    byte[] answer = ("{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"stub-model\",\"choices\":"
                            + "[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi hi hi hi hi\"},"
                            + "\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":5,"
                            + "\"total_tokens\":14}}").getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().set("Content-Type", "application/json");
                    exchange.sendResponseHeaders(200, answer.length);
                    exchange.getResponseBody().write(answer);
                }
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
