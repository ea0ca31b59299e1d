package dev.moeplatform.e2e;

import dev.moeplatform.testing.Http;
import java.util.List;

/** The running platform, as end-to-end tests see it: the gateway for what clients do, each service for checks. */
public final class Platform implements AutoCloseable {

    private final List<ServiceProcess> services;

    Platform(List<ServiceProcess> services) {
        this.services = services;
    }

    /** The public entry, as every client reaches the platform. */
    public Http gateway() {
        return service("gateway");
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
