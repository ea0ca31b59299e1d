package dev.moeplatform.e2e;

import dev.moeplatform.testing.Http;
import java.util.List;

/** The running platform, as end-to-end tests see it: the gateway for what clients do, each service for checks. */
public final class Platform implements AutoCloseable {

    private final List<ServiceProcess> services;
    private final VllmReplayServer vllm;
    private String apiKey;

    Platform(List<ServiceProcess> services, VllmReplayServer vllm) {
        this.services = services;
        this.vllm = vllm;
    }

    /** The vLLM server behind {@value RunningPlatform#RAG_MODEL}. */
    VllmReplayServer vllm() {
        return vllm;
    }

    void apiKey(String key) {
        this.apiKey = key;
    }

    /** The API key of tenant {@value RunningPlatform#TENANT}, team {@code main}, created when the platform started. */
    public String apiKey() {
        return apiKey;
    }

    /** The public entry, as every client reaches the platform: with the test tenant's API key. */
    public Http gateway() {
        return service("gateway").withHeaders("Authorization", "Bearer " + apiKey);
    }

    /** The gateway's base URL, for clients other than {@link Http}. */
    public String gatewayUrl() {
        return baseUrl("gateway");
    }

    /** A service's base URL (gateway, inference, rag, billing), e.g. for a metrics scraper. */
    public String baseUrl(String service) {
        return services.stream().filter(s -> s.name().equals(service)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("No service " + service)).baseUrl();
    }

    /** The public entry without credentials. */
    public Http anonymousGateway() {
        return service("gateway");
    }

    /** The gateway's admin API, with the administrator's token. */
    public Http admin() {
        return service("gateway").withHeaders("Authorization", "Bearer " + RunningPlatform.ADMIN_TOKEN);
    }

    /** A service directly, for assertions that must bypass the gateway. */
    public Http service(String name) {
        return services.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("No service " + name)).http();
    }

    @Override
    public void close() {
        for (ServiceProcess service : services.reversed()) {
            service.close();
        }
    }
}
