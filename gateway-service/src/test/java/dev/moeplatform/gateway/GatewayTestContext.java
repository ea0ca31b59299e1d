package dev.moeplatform.gateway;

import dev.moeplatform.testing.TestInfrastructure;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The gateway's shared test context (see {@link GatewayTest}): real PostgreSQL, Redis and Kafka, every upstream an
 * {@link StubUpstream}, an admin token and an identity secret. {@link #properties()} also starts second replicas.
 */
public class GatewayTestContext implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    public static final String ADMIN_TOKEN = "gateway-test-admin-token-0123456789";
    public static final String IDENTITY_SECRET = "gateway-test-identity-secret-0123456789";
    public static final StubUpstream UPSTREAM = new StubUpstream();
    static final String RUN = Long.toString(System.currentTimeMillis(), 36);
    /** This run's own usage topic, so that other runs' and modules' consumers never see the test traffic. */
    public static final String USAGE_TOPIC = "usage.events.gateway-test-" + RUN;

    public static List<String> properties() {
        TestInfrastructure infra = TestInfrastructure.get();
        List<String> properties = new ArrayList<>();
        infra.registerPostgres((name, value) -> properties.add(name + "=" + value.get()), "gateway_auth_test");
        infra.registerRedis((name, value) -> properties.add(name + "=" + value.get()));
        infra.registerKafka((name, value) -> properties.add(name + "=" + value.get()));
        properties.addAll(List.of(
                "INFERENCE_URL=" + UPSTREAM.url(),
                "RAG_URL=" + UPSTREAM.url(),
                "BILLING_URL=" + UPSTREAM.url(),
                "platform.gateway.admin-token=" + ADMIN_TOKEN,
                "platform.identity.secret=" + IDENTITY_SECRET,
                "platform.gateway.metering.topic=" + USAGE_TOPIC));
        return properties;
    }

    /** Another gateway replica on the same database, Redis and Kafka (close it after use). */
    public static org.springframework.context.ConfigurableApplicationContext startReplica(String... extraArguments) {
        // Command-line arguments: they outrank application.yaml, as the test context's properties do.
        List<String> arguments = new ArrayList<>();
        properties().forEach(p -> arguments.add("--" + p));
        arguments.add("--server.port=0");
        arguments.addAll(List.of(extraArguments));
        return new org.springframework.boot.builder.SpringApplicationBuilder(GatewayServiceApplication.class)
                .run(arguments.toArray(String[]::new));
    }

    public static dev.moeplatform.testing.Http http(org.springframework.context.ConfigurableApplicationContext app) {
        return new dev.moeplatform.testing.Http("http://127.0.0.1:"
                + app.getEnvironment().getProperty("local.server.port"));
    }

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        TestPropertyValues.of(properties()).applyTo(context);
    }
}
