package dev.moeplatform.inference.vllm;

import dev.moeplatform.engine.BundledModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The Spring context of the vLLM tests (one, shared by every class extending this): the real service with real
 * native models, and {@link VllmStub} as the vLLM server. Models:
 * <ul>
 * <li>{@code synthetic-qwen2moe-tiny}: native, then vLLM (tiny scheduler limits, so that it overloads)
 * <li>{@code qwen-vllm}: vLLM only
 * <li>{@code flaky-vllm}: vLLM only, on the stub's flaky server (its own circuit breaker)
 * <li>{@code unreachable-vllm}: vLLM only, on a port nothing listens on
 * <li>{@code fragile-native}, {@code midstream-native}: native (the bundled file loaded again), then vLLM; tests
 *     close their engine model to make the native backend fail at request time
 * <li>{@code vllm-first}: vLLM (unreachable), then native
 * <li>{@code stub-first}: vLLM (the stub), then native
 * </ul>
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "platform.inference.engine.threads=1",
        "platform.inference.scheduler.max-running-sequences=4",
        "platform.inference.scheduler.max-queued-requests=16",
        "platform.inference.scheduler.max-tokens-in-flight=2500",
        "platform.inference.scheduler.request-timeout=60s",
        "platform.inference.scheduler.retry-after=2s",
        "platform.inference.vllm.connect-timeout=1s",
        "platform.inference.vllm.read-timeout=5s",
        "platform.inference.vllm.retries=1",
        "platform.inference.circuit-breaker.sliding-window-size=4",
        "platform.inference.circuit-breaker.minimum-number-of-calls=4",
        "platform.inference.circuit-breaker.failure-rate-threshold=50",
        "platform.inference.circuit-breaker.wait-in-open-state=2s",
        "platform.inference.circuit-breaker.permitted-calls-in-half-open-state=1"})
abstract class VllmServingTest {

    static final VllmStub STUB = VllmStub.start();
    static final int CLOSED_PORT = closedPort();

    @LocalServerPort
    int port;

    /** The model list as one property source: Spring Boot binds a list from a single source, never merged. */
    @DynamicPropertySource
    static void vllm(DynamicPropertyRegistry registry) {
        String gguf = BundledModels.extractDefault().toString();
        String closed = "http://127.0.0.1:" + CLOSED_PORT;
        registry.add("platform.inference.vllm.base-url", () -> STUB.baseUrl(VllmStub.STABLE));
        model(registry, 0, "synthetic-qwen2moe-tiny", "native,vllm", null, VllmStub.SERVED, null);
        model(registry, 1, "qwen-vllm", "vllm", null, VllmStub.SERVED, null);
        model(registry, 2, "flaky-vllm", "vllm", null, VllmStub.SERVED, STUB.baseUrl(VllmStub.FLAKY));
        model(registry, 3, "unreachable-vllm", "vllm", null, null, closed + "/v1");
        model(registry, 4, "fragile-native", "native,vllm", gguf, VllmStub.SERVED, null);
        model(registry, 5, "midstream-native", "native,vllm", gguf, VllmStub.SERVED, null);
        model(registry, 6, "vllm-first", "vllm,native", gguf, null, closed + "/first/v1");
        model(registry, 7, "stub-first", "vllm,native", gguf, VllmStub.SERVED, null);
    }

    private static void model(DynamicPropertyRegistry registry, int index, String id, String backends, String gguf,
            String vllmModel, String vllmBaseUrl) {
        String at = "platform.inference.models[" + index + "].";
        registry.add(at + "id", () -> id);
        registry.add(at + "backends", () -> backends);
        if (gguf != null) {
            registry.add(at + "gguf", () -> gguf);
        }
        if (!backends.contains("native")) {
            registry.add(at + "context-length", () -> "4096");
        }
        if (vllmModel != null) {
            registry.add(at + "vllm-model", () -> vllmModel);
        }
        if (vllmBaseUrl != null) {
            registry.add(at + "vllm-base-url", () -> vllmBaseUrl);
        }
    }

    /** A port that was free a moment ago and that nothing listens on now: connecting to it is refused. */
    private static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
