package dev.moeplatform.inference.bench;

import dev.moeplatform.engine.BundledModels;
import dev.moeplatform.engine.Model;
import dev.moeplatform.engine.ModelOptions;
import dev.moeplatform.engine.SamplingParams;
import dev.moeplatform.engine.Sequence;
import dev.moeplatform.engine.TextStream;
import dev.moeplatform.engine.tokenizer.ChatMessage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Load benchmark of inference-service (a separate command, never part of the tests; see the root README's
 * Benchmarks section, {@code scripts/platform bench-serving}): streaming chat completions at several concurrencies
 * for a fixed time, reporting output tokens/s, time to first token and inter-token latency (p50/p99), and the
 * overhead ratio: tokens/s through HTTP divided by tokens/s of the bare engine ({@link Model#step}) running the same
 * workload (same prompt, max tokens, number of sequences, model and threads) in this process.
 *
 * <p>Each model is served by a fresh {@code java -jar inference-service.jar} child process (configured through
 * {@code PLATFORM_INFERENCE_MODELS_0_*}), or by an already running service given with {@code --url}. EOS gets a
 * logit bias of -100 so that every request produces max tokens (the synthetic models would otherwise stop at random).
 *
 * <pre>
 * LoadBenchmark --service-jar inference-service/target/inference-service.jar
 *               [--model bundled] [--model ID=FILE.gguf] [--url http://host:8081 (one model only)]
 *               [--concurrency 1,8,32] [--seconds 20] [--max-tokens 48] [--threads 2]
 * </pre>
 */
public final class LoadBenchmark {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String PROMPT = "Tell me a long story about a lighthouse keeper and the sea.";

    record Options(List<String> models, String url, Path serviceJar, int[] concurrency, int seconds, int maxTokens,
            int threads) {
    }

    /** The figures of one concurrency level. */
    record Point(int streams, long requests, long tokens, double seconds, double[] ttftMs, double[] itlMs,
            long errors) {
        double tokensPerSecond() {
            return tokens / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = parse(args);
        List<String> report = new ArrayList<>();
        report.add(String.format("%-26s %7s %9s %8s %9s %9s %8s %8s %10s %8s", "model", "streams", "requests",
                "tok/s", "TTFT p50", "TTFT p99", "ITL p50", "ITL p99", "bare tok/s", "ratio"));
        for (String spec : options.models()) {
            String id = spec.equals("bundled") ? BundledModels.DEFAULT_ID : spec.substring(0, spec.indexOf('='));
            Path gguf = spec.equals("bundled") ? BundledModels.extractDefault() : Path.of(spec.substring(
                    spec.indexOf('=') + 1)).toAbsolutePath();
            System.out.printf("%n== %s (%s, %,d bytes), %d threads, load %s%n", id, gguf, Files.size(gguf),
                    options.threads(), loadAverage());
            Process service = null;
            String url = options.url();
            try {
                if (url == null) {
                    int port = freePort();
                    service = startService(options, id, gguf, port);
                    url = "http://127.0.0.1:" + port;
                    awaitReady(url, service);
                }
                try (Model model = Model.load(gguf, new ModelOptions(options.threads(), "auto"))) {
                    int eos = model.tokenizer().eosId();
                    int[] prompt = prompt(model);
                    drive(url, id, 2, 5, options.maxTokens(), eos); // warm-up: JIT, page cache
                    Map<Integer, Point> http = new HashMap<>();
                    for (int streams : options.concurrency()) {
                        Point point = drive(url, id, streams, options.seconds(), options.maxTokens(), eos);
                        http.put(streams, point);
                        System.out.printf("HTTP  %2d streams: %,d requests, %.1f tok/s, TTFT p50 %.0f ms, ITL p50 "
                                + "%.2f ms, %d errors, load %s%n", streams, point.requests(), point.tokensPerSecond(),
                                percentile(point.ttftMs(), 50), percentile(point.itlMs(), 50), point.errors(),
                                loadAverage());
                    }
                    if (service != null) {
                        stop(service); // the bare engine gets the machine to itself, as the service had it
                        service = null;
                    }
                    for (int streams : options.concurrency()) {
                        double bare = bareEngine(model, prompt, streams, Math.max(5, options.seconds() / 2),
                                options.maxTokens(), eos);
                        Point point = http.get(streams);
                        System.out.printf("bare  %2d sequences: %.1f tok/s, load %s%n", streams, bare, loadAverage());
                        report.add(String.format("%-26s %7d %9d %8.1f %7.0fms %7.0fms %6.2fms %6.2fms %10.1f %8.2f",
                                id, streams, point.requests(), point.tokensPerSecond(), percentile(point.ttftMs(), 50),
                                percentile(point.ttftMs(), 99), percentile(point.itlMs(), 50),
                                percentile(point.itlMs(), 99), bare, point.tokensPerSecond() / bare));
                    }
                }
            } finally {
                if (service != null) {
                    stop(service);
                }
            }
        }
        System.out.printf("%nStreaming chat completions, %d s per point, max_tokens %d, EOS suppressed; ratio = HTTP "
                + "tok/s / bare engine tok/s at the same batch. Load average at the end: %s%n", options.seconds(),
                options.maxTokens(), loadAverage());
        report.forEach(System.out::println);
    }

    // ---- HTTP ----------------------------------------------------------------------------------------------------

    /** {@code streams} clients, each sending one streaming request after another until the time is up. */
    static Point drive(String url, String model, int streams, int seconds, int maxTokens, int eos)
            throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        ConcurrentLinkedQueue<Double> ttft = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Double> itl = new ConcurrentLinkedQueue<>();
        AtomicLong tokens = new AtomicLong();
        AtomicLong requests = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        long deadline = start + seconds * 1_000_000_000L;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> clients = new ArrayList<>();
            for (int s = 0; s < streams; s++) {
                int stream = s;
                clients.add(pool.submit(() -> {
                    long seed = stream * 1000L;
                    while (System.nanoTime() < deadline) {
                        try {
                            tokens.addAndGet(streamOne(client, url, model, maxTokens, eos, seed++, ttft, itl));
                            requests.incrementAndGet();
                        } catch (Exception e) {
                            if (errors.incrementAndGet() == 1) {
                                System.err.println("request failed: " + e);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : clients) {
                f.get();
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        return new Point(streams, requests.get(), tokens.get(), elapsed, sorted(ttft), sorted(itl), errors.get());
    }

    /** One streaming chat completion; its completion tokens (from the usage chunk). */
    private static long streamOne(HttpClient client, String url, String model, int maxTokens, int eos, long seed,
            ConcurrentLinkedQueue<Double> ttft, ConcurrentLinkedQueue<Double> itl) throws Exception {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        body.putArray("messages").addObject().put("role", "user").put("content", PROMPT);
        body.put("max_tokens", maxTokens);
        body.put("temperature", 1.0);
        body.put("seed", seed);
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        if (eos >= 0) {
            body.putObject("logit_bias").put(String.valueOf(eos), -100);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/v1/chat/completions"))
                .timeout(Duration.ofMinutes(5)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
        long sent = System.nanoTime();
        HttpResponse<java.util.stream.Stream<String>> response = client.send(request,
                HttpResponse.BodyHandlers.ofLines());
        if (response.statusCode() != 200) {
            String text = String.join("\n", response.body().toList());
            throw new IOException("HTTP " + response.statusCode() + ": " + text);
        }
        long last = 0;
        long completion = -1;
        for (String line : (Iterable<String>) response.body()::iterator) {
            if (!line.startsWith("data: ")) {
                continue;
            }
            String data = line.substring(6);
            if (data.equals("[DONE]")) {
                break;
            }
            long now = System.nanoTime();
            JsonNode chunk = JSON.readTree(data);
            if (chunk.has("error")) {
                throw new IOException("error event: " + data);
            }
            JsonNode choices = chunk.get("choices");
            if (choices != null && !choices.isEmpty()) {
                JsonNode content = choices.get(0).path("delta").get("content");
                if (content != null && content.isString() && !content.stringValue().isEmpty()) {
                    if (last == 0) {
                        ttft.add((now - sent) / 1e6);
                    } else {
                        itl.add((now - last) / 1e6);
                    }
                    last = now;
                }
            }
            JsonNode usage = chunk.get("usage");
            if (usage != null && !usage.isNull()) {
                completion = usage.get("completion_tokens").asLong();
            }
        }
        if (completion < 0) {
            throw new IOException("the stream ended without a usage chunk");
        }
        return completion;
    }

    // ---- the bare engine -----------------------------------------------------------------------------------------

    /**
     * The same workload without HTTP: {@code batch} sequences stepped together by {@link Model#step}, each replaced by
     * a new one (prompt prefilled in the next step, as the scheduler does) when it finishes; output tokens/s.
     */
    static double bareEngine(Model model, int[] prompt, int batch, int seconds, int maxTokens, int eos) {
        List<Sequence> running = new ArrayList<>();
        List<TextStream> texts = new ArrayList<>();
        long seed = 0;
        long tokens = 0;
        long start = System.nanoTime();
        long deadline = start + seconds * 1_000_000_000L;
        try {
            while (System.nanoTime() < deadline || !running.isEmpty()) {
                while (running.size() < batch && System.nanoTime() < deadline) {
                    SamplingParams params = SamplingParams.builder().temperature(1).seed(seed++).maxTokens(maxTokens)
                            .logitBias(eos >= 0 ? Map.of(eos, -100f) : Map.of()).build();
                    Sequence sequence = model.newSequence(Math.min(model.info().contextLength(),
                            prompt.length + maxTokens), params);
                    sequence.append(prompt);
                    running.add(sequence);
                    texts.add(new TextStream(model.tokenizer(), params));
                }
                model.step(running);
                for (int i = running.size() - 1; i >= 0; i--) {
                    Sequence sequence = running.get(i);
                    tokens++;
                    TextStream.Delta delta = texts.get(i).accept(sequence.lastSampled().id());
                    if (delta.finished() || !sequence.canStep()) {
                        sequence.close();
                        running.remove(i);
                        texts.remove(i);
                    }
                }
            }
        } finally {
            running.forEach(Sequence::close);
        }
        return tokens / ((System.nanoTime() - start) / 1e9);
    }

    private static int[] prompt(Model model) {
        String text = model.chatTemplate().orElseThrow(() -> new IllegalStateException("the model has no chat "
                + "template")).render(List.of(new ChatMessage("user", PROMPT)), true);
        int[] tokens = model.tokenizer().encode(text, true, true);
        int bos = model.tokenizer().bosId();
        if (tokens.length > 1 && bos >= 0 && tokens[0] == bos && tokens[1] == bos) {
            tokens = Arrays.copyOfRange(tokens, 1, tokens.length); // as the completions controller does
        }
        return tokens;
    }

    // ---- the service process -------------------------------------------------------------------------------------

    private static Process startService(Options options, String id, Path gguf, int port) throws IOException {
        Path log = Files.createTempFile("bench-inference-", ".log");
        System.out.println("starting inference-service on port " + port + " (log " + log + ")");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx2g", "-jar", options.serviceJar().toString());
        Map<String, String> env = builder.environment();
        env.put("INFERENCE_PORT", String.valueOf(port));
        env.put("PLATFORM_INFERENCE_MODELS_0_ID", id);
        env.put("PLATFORM_INFERENCE_MODELS_0_BACKENDS", "native");
        env.put("PLATFORM_INFERENCE_MODELS_0_GGUF", gguf.toString());
        env.put("PLATFORM_INFERENCE_ENGINE_THREADS", String.valueOf(options.threads()));
        int most = Arrays.stream(options.concurrency()).max().orElse(1);
        env.put("PLATFORM_INFERENCE_SCHEDULER_MAX_RUNNING_SEQUENCES", String.valueOf(Math.max(8, most)));
        env.put("PLATFORM_INFERENCE_SCHEDULER_MAX_QUEUED_REQUESTS", String.valueOf(Math.max(64, 2 * most)));
        return builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void awaitReady(String url, Process service) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            if (!service.isAlive()) {
                throw new IllegalStateException("inference-service exited with " + service.exitValue());
            }
            try {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url
                        + "/actuator/health/readiness")).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("inference-service did not become ready within 3 minutes");
    }

    private static void stop(Process service) throws InterruptedException {
        service.destroy();
        if (!service.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            service.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    // ---- small helpers -------------------------------------------------------------------------------------------

    private static double[] sorted(ConcurrentLinkedQueue<Double> values) {
        double[] array = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(array);
        return array;
    }

    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.clamp(index, 0, sorted.length - 1)];
    }

    private static String loadAverage() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(
                Path.of("/proc/loadavg")), StandardCharsets.US_ASCII))) {
            String[] parts = in.readLine().split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }

    private static Options parse(String[] args) {
        List<String> models = new ArrayList<>();
        String url = null;
        Path jar = Path.of("inference-service/target/inference-service.jar");
        int[] concurrency = {1, 8, 32};
        int seconds = 20;
        int maxTokens = 48;
        int threads = 2;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (value == null) {
                throw new IllegalArgumentException("missing value after " + args[i]);
            }
            switch (args[i]) {
                case "--model" -> models.add(value);
                case "--url" -> url = value.replaceAll("/+$", "");
                case "--service-jar" -> jar = Path.of(value);
                case "--concurrency" -> concurrency = Arrays.stream(value.split(",")).mapToInt(Integer::parseInt)
                        .toArray();
                case "--seconds" -> seconds = Integer.parseInt(value);
                case "--max-tokens" -> maxTokens = Integer.parseInt(value);
                case "--threads" -> threads = Integer.parseInt(value);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; see LoadBenchmark's "
                        + "documentation");
            }
            i++;
        }
        if (models.isEmpty()) {
            models.add("bundled");
        }
        if (url != null && models.size() > 1) {
            throw new IllegalArgumentException("--url serves one model: give one --model");
        }
        if (url == null && !Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("no service jar at " + jar + " (build it, or give --url)");
        }
        return new Options(models, url, jar, concurrency, seconds, maxTokens, threads);
    }
}
