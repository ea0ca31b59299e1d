package dev.moeplatform.e2e;

import dev.moeplatform.testing.Http;
import dev.moeplatform.testing.TestInfrastructure;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit extension that starts the four services once per test run, on free ports, against the test
 * infrastructure, and hands tests a {@link Platform}. The platform is stopped when the run ends.
 * <p>
 * To extend the end-to-end suite, add a test class with {@code @ExtendWith(RunningPlatform.class)} and a
 * {@link Platform} parameter; per-service settings a new test needs go in {@link #environmentFor}.
 */
public final class RunningPlatform implements ParameterResolver {

    /** The engine's bundled synthetic model, which inference-service serves when no model is configured. */
    static final String INFERENCE_MODEL = "synthetic-qwen2moe-tiny";
    static final String VLLM_MODEL = "e2e-vllm-model";
    /** A model served by {@link VllmReplayServer} through inference-service's vLLM backend (rag's answers use it). */
    static final String RAG_MODEL = "e2e-rag-model";
    /**
     * A model whose first backend, vLLM, is unreachable: inference-service falls back to serving it natively (the
     * bundled model's file, loaded a second time under this id).
     */
    static final String FALLBACK_MODEL = "e2e-fallback-model";
    /** The identity-signing secret the services share in these tests. */
    static final String IDENTITY_SECRET = "e2e-identity-secret-0123456789abcdef";
    static final String ADMIN_TOKEN = "e2e-admin-token-0123456789abcdef";
    /** The tenant whose key {@link Platform#gateway()} uses. */
    static final String TENANT = "e2e";
    /** This run's usage topic and billing consumer group: a running dev platform on the same Kafka never mixes in. */
    static final String RUN = Long.toString(System.currentTimeMillis(), 36);
    private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(4);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Platform.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.create(RunningPlatform.class))
                .computeIfAbsent(Platform.class, key -> start(), Platform.class);
    }

    private static Platform start() {
        try {
            Map<String, Integer> ports = new LinkedHashMap<>();
            for (String service : List.of("gateway", "inference", "rag", "billing")) {
                ports.put(service, freePort());
            }
            Path root = Path.of(System.getProperty("platform.root", "..")).toAbsolutePath().normalize();
            Path logs = root.resolve("e2e-tests/target/e2e-logs");
            List<ServiceProcess> processes = new ArrayList<>();
            VllmReplayServer vllm = VllmReplayServer.start();
            Platform platform = new Platform(processes, vllm);
            try {
                for (var service : ports.entrySet()) {
                    String module = service.getKey() + "-service";
                    processes.add(ServiceProcess.start(service.getKey(),
                            root.resolve(module).resolve("target").resolve(module + ".jar"), service.getValue(),
                            environmentFor(service.getKey(), ports, vllm.baseUrl()), logs));
                }
                Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
                for (ServiceProcess process : processes) {
                    process.awaitReady(deadline);
                }
                platform.apiKey(createTenantAndKey(platform.admin()));
            } catch (IOException | InterruptedException | RuntimeException e) {
                platform.close();
                throw new IllegalStateException("The platform did not start: " + e.getMessage(), e);
            }
            return platform;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Tenant {@value #TENANT} with team {@code main} and one key, through the admin API as an operator would. */
    private static String createTenantAndKey(Http admin) {
        for (var step : List.of(
                List.of("/admin/tenants", "{\"id\":\"" + TENANT + "\",\"name\":\"End-to-end tests\"}"),
                List.of("/admin/tenants/" + TENANT + "/teams", "{\"id\":\"main\",\"name\":\"Main\"}"))) {
            Http.Response created = admin.post(step.get(0), "application/json", step.get(1));
            if (created.status() != 201) {
                throw new IllegalStateException("cannot create the test tenant: " + created);
            }
        }
        Http.Response key = admin.post("/admin/keys", "application/json",
                "{\"tenant\":\"" + TENANT + "\",\"team\":\"main\",\"name\":\"e2e\"}");
        if (key.status() != 201) {
            throw new IllegalStateException("cannot create the test key: " + key);
        }
        // The served model's price for these tests: an H100 hour ($2.95) for 1 token/s, $819.444444 per 1M tokens,
        // dear enough that budgets bite after a few calls.
        String monthStart = java.time.YearMonth.now(java.time.ZoneOffset.UTC).atDay(1)
                .atStartOfDay(java.time.ZoneOffset.UTC).toInstant().toString();
        Http.Response price = admin.post("/admin/billing/prices/self-hosted", "application/json", "{\"model\":\""
                + INFERENCE_MODEL + "\",\"hardwareProfile\":\"h100\",\"tokensPerSecond\":1,\"utilisation\":1,"
                + "\"effectiveFrom\":\"" + monthStart + "\"}");
        if (price.status() != 201) {
            throw new IllegalStateException("cannot price the test model: " + price);
        }
        return key.json().get("key").asString();
    }

    /** USD per 1M tokens of {@link #INFERENCE_MODEL} in these tests (see {@link #createTenantAndKey}). */
    static final java.math.BigDecimal MODEL_PRICE = new java.math.BigDecimal("819.444444");

    /**
     * The same environment variables an operator sets (see docker-compose.yml and scripts/platform).
     *
     * @param vllmBaseUrl the vLLM server of {@link #RAG_MODEL}; null: that model is not served
     */
    static Map<String, String> environmentFor(String service, Map<String, Integer> ports, String vllmBaseUrl) {
        TestInfrastructure infra = TestInfrastructure.get();
        Map<String, String> env = new HashMap<>();
        env.put("PLATFORM_PG_HOST", infra.postgresHost());
        env.put("PLATFORM_PG_PORT", String.valueOf(infra.postgresPort()));
        env.put("PLATFORM_DB_USER", infra.dbUser());
        env.put("PLATFORM_DB_PASSWORD", infra.dbPassword());
        env.put("PLATFORM_REDIS_URL", infra.redisUrl());
        env.put("PLATFORM_KAFKA_BOOTSTRAP", infra.kafkaBootstrapServers());
        env.put("GATEWAY_PORT", String.valueOf(ports.get("gateway")));
        env.put("INFERENCE_PORT", String.valueOf(ports.get("inference")));
        env.put("RAG_PORT", String.valueOf(ports.get("rag")));
        env.put("BILLING_PORT", String.valueOf(ports.get("billing")));
        env.put("INFERENCE_URL", "http://127.0.0.1:" + ports.get("inference"));
        env.put("RAG_URL", "http://127.0.0.1:" + ports.get("rag"));
        env.put("BILLING_URL", "http://127.0.0.1:" + ports.get("billing"));
        env.put("PLATFORM_IDENTITY_SECRET", IDENTITY_SECRET);
        env.put("PLATFORM_USAGE_TOPIC", "usage.events.e2e-" + RUN);
        switch (service) {
            case "gateway" -> {
                env.put("GATEWAY_DB_URL", infra.jdbcUrl("gateway_e2e"));
                env.put("GATEWAY_ADMIN_TOKEN", ADMIN_TOKEN);
            }
            case "rag" -> {
                env.put("RAG_DB_URL", infra.jdbcUrl("rag_e2e"));
                env.put("GATEWAY_URL", "http://127.0.0.1:" + ports.get("gateway"));
                env.put("RAG_CHAT_MODEL", RAG_MODEL);
            }
            case "billing" -> {
                env.put("BILLING_DB_URL", infra.jdbcUrl("billing_e2e"));
                env.put("BILLING_CONSUMER_GROUP", "billing-e2e-" + RUN);
            }
            case "inference" -> {
                // The bundled model, natively (its file comes with the engine), and a vLLM model that is listed
                // but not reachable yet.
                env.put("PLATFORM_INFERENCE_MODELS_0_ID", INFERENCE_MODEL);
                env.put("PLATFORM_INFERENCE_MODELS_0_BACKENDS", "native");
                env.put("PLATFORM_INFERENCE_MODELS_0_CONTEXT_LENGTH", "128");
                env.put("PLATFORM_INFERENCE_MODELS_1_ID", VLLM_MODEL);
                env.put("PLATFORM_INFERENCE_MODELS_1_BACKENDS", "vllm");
                env.put("PLATFORM_INFERENCE_MODELS_1_CONTEXT_LENGTH", "32768");
                if (vllmBaseUrl != null) {
                    env.put("PLATFORM_INFERENCE_MODELS_2_ID", RAG_MODEL);
                    env.put("PLATFORM_INFERENCE_MODELS_2_BACKENDS", "vllm");
                    env.put("PLATFORM_INFERENCE_MODELS_2_CONTEXT_LENGTH", "32768");
                    env.put("PLATFORM_INFERENCE_MODELS_2_VLLM_BASE_URL", vllmBaseUrl);
                    env.put("PLATFORM_INFERENCE_MODELS_3_ID", FALLBACK_MODEL);
                    env.put("PLATFORM_INFERENCE_MODELS_3_BACKENDS", "vllm,native");
                    env.put("PLATFORM_INFERENCE_MODELS_3_CONTEXT_LENGTH", "128");
                    env.put("PLATFORM_INFERENCE_MODELS_3_GGUF", bundledModelFile().toString());
                    env.put("PLATFORM_INFERENCE_MODELS_3_VLLM_BASE_URL", "http://127.0.0.1:" + closedPort() + "/v1");
                }
                env.put("PLATFORM_INFERENCE_ENGINE_THREADS", "1");
            }
            default -> throw new IllegalArgumentException(service);
        }
        return env;
    }

    /** The engine's bundled model file, as the moe-engine build leaves it. */
    private static Path bundledModelFile() {
        Path root = Path.of(System.getProperty("platform.root", "..")).toAbsolutePath().normalize();
        return root.resolve("moe-engine/target/classes/models/synthetic-qwen2moe-tiny-q8_0.gguf");
    }

    /** A port nothing listens on (connections are refused at once). */
    private static int closedPort() {
        try {
            return freePort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
