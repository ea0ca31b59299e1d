package dev.moeplatform.billing;

import static org.awaitility.Awaitility.await;

import dev.moeplatform.contracts.identity.IdentityHeader;
import dev.moeplatform.contracts.identity.PlatformIdentity;
import dev.moeplatform.contracts.identity.PlatformIdentity.Role;
import dev.moeplatform.contracts.usage.UsageEvent;
import dev.moeplatform.testing.Http;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.KafkaTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * What billing tests do over and over: publish usage events, call the API as someone, wait for the ledger. A bean of
 * the shared test context ({@link BillingTestContext} registers it): tests autowire it.
 */
public final class BillingFixture {

    public static final IdentityHeader IDENTITIES = new IdentityHeader(BillingTestContext.IDENTITY_SECRET);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final org.springframework.core.env.Environment environment;
    private final KafkaTemplate<String, byte[]> kafka;
    private final JdbcTemplate jdbc;

    public BillingFixture(org.springframework.core.env.Environment environment, KafkaTemplate<String, byte[]> kafka,
            JdbcTemplate jdbc) {
        this.environment = environment;
        this.kafka = kafka;
        this.jdbc = jdbc;
    }

    /** The service's HTTP API (its port is known once the server has started, hence not in the constructor). */
    public Http http() {
        return new Http("http://127.0.0.1:" + environment.getRequiredProperty("local.server.port"));
    }

    /** Headers that make a request come from an API key of {@code tenant}. */
    public static String[] asTenant(String tenant) {
        return new String[] {IdentityHeader.NAME, IDENTITIES.sign(new PlatformIdentity(tenant, "team", "key_test",
                UUID.randomUUID().toString(), Role.TENANT))};
    }

    public static String[] asAdmin() {
        return new String[] {IdentityHeader.NAME, IDENTITIES.sign(new PlatformIdentity("platform", "ops", "admin",
                UUID.randomUUID().toString(), Role.ADMIN))};
    }

    public static UsageEvent event(String tenant, String team, String model, Instant at, long prompt, long completion,
            long cached) {
        return new UsageEvent(1, UUID.randomUUID().toString(), at, tenant, team, "key_" + team, model, "native",
                "chat.completions", prompt, completion, cached, 120, "success");
    }

    public void publish(List<UsageEvent> events) {
        CompletableFuture<?>[] sends = events.stream().map(e -> kafka.send(BillingTestContext.TOPIC, e.tenant(),
                JSON.writeValueAsBytes(e))).toArray(CompletableFuture[]::new);
        CompletableFuture.allOf(sends).join();
    }

    public void publishRaw(String key, byte[] value) {
        kafka.send(BillingTestContext.TOPIC, key, value).join();
    }

    public long ledgered(String tenant) {
        return jdbc.queryForObject("SELECT count(*) FROM usage_event WHERE tenant = ?", Long.class, tenant);
    }

    public void awaitLedgered(String tenant, long count) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> ledgered(tenant) >= count);
    }

    public JdbcTemplate jdbc() {
        return jdbc;
    }
}
