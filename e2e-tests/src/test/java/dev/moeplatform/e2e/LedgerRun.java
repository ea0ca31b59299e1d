package dev.moeplatform.e2e;

import dev.moeplatform.contracts.identity.IdentityHeader;
import dev.moeplatform.contracts.identity.PlatformIdentity;
import dev.moeplatform.contracts.usage.UsageEvent;
import dev.moeplatform.testing.Http;
import dev.moeplatform.testing.TestInfrastructure;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import tools.jackson.databind.json.JsonMapper;

/**
 * billing-service's jar on a topic, consumer group and database of its own, fed with generated usage events: what
 * the crash-recovery test and the ingest benchmark both drive. The service can be killed (SIGKILL) and started again
 * on the same state.
 */
final class LedgerRun implements AutoCloseable {

    static final String TENANT = "ledger-run";
    static final String MODEL = "ledger-run-model";
    static final String[] TEAMS = {"search", "support", "sales", "research"};

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String topic;
    private final String jdbcUrl;
    private final Map<String, String> environment = new HashMap<>();
    private final Path root;
    private final int port;
    private final TestInfrastructure infra = TestInfrastructure.get();
    private final Instant firstEvent;
    private ServiceProcess billing;
    private long produced;

    LedgerRun(String name, Map<String, String> settings) throws IOException {
        String run = name + "-" + Long.toString(System.currentTimeMillis(), 36);
        topic = "usage.events." + run;
        jdbcUrl = infra.jdbcUrl("billing_" + name.replace('-', '_'));
        root = Path.of(System.getProperty("platform.root", "..")).toAbsolutePath().normalize();
        port = RunningPlatform.freePort();
        // Events of the current hour and back: the price below starts at the beginning of that range.
        firstEvent = Instant.now().minus(Duration.ofHours(3)).truncatedTo(java.time.temporal.ChronoUnit.HOURS);
        environment.put("PLATFORM_PG_HOST", infra.postgresHost());
        environment.put("PLATFORM_PG_PORT", String.valueOf(infra.postgresPort()));
        environment.put("PLATFORM_DB_USER", infra.dbUser());
        environment.put("PLATFORM_DB_PASSWORD", infra.dbPassword());
        environment.put("PLATFORM_KAFKA_BOOTSTRAP", infra.kafkaBootstrapServers());
        environment.put("PLATFORM_IDENTITY_SECRET", RunningPlatform.IDENTITY_SECRET);
        environment.put("BILLING_DB_URL", jdbcUrl);
        environment.put("BILLING_PORT", String.valueOf(port));
        environment.put("PLATFORM_USAGE_TOPIC", topic);
        environment.put("BILLING_DEAD_LETTER_TOPIC", topic + ".dlt");
        environment.put("BILLING_CONSUMER_GROUP", "billing-" + run);
        environment.putAll(settings);
    }

    Instant firstEvent() {
        return firstEvent;
    }

    /** Event {@code i} of the run: deterministic tokens, spread over teams and over three hours. */
    UsageEvent event(long i) {
        return new UsageEvent(1, "ledger-run-" + i, firstEvent.plusMillis(i * 97 % (3 * 3_600_000L)), TENANT,
                TEAMS[(int) (i % TEAMS.length)], "key-" + (i % 10), MODEL, i % 5 == 0 ? "vllm" : "native",
                "chat.completions", 100 + i % 400, 20 + i % 100, i % 50, 200 + i % 1000, "success");
    }

    /** Publishes events [from, to) (acks=all, idempotent) and waits until the broker has them all. */
    void produce(long from, long to) {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", infra.kafkaBootstrapServers());
        config.put("acks", "all");
        config.put("enable.idempotence", true);
        config.put("linger.ms", 5);
        config.put("batch.size", 256 * 1024);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(),
                new ByteArraySerializer())) {
            for (long i = from; i < to; i++) {
                UsageEvent event = event(i);
                producer.send(new ProducerRecord<>(topic, event.tenant(), JSON.writeValueAsBytes(event)));
            }
            producer.flush();
        }
        produced = Math.max(produced, to);
    }

    /** The topic must exist with the ledger's partitions before events are produced to it: start billing first. */
    void startBilling() throws IOException, InterruptedException {
        billing = ServiceProcess.start("billing-" + port, root.resolve("billing-service/target/billing-service.jar"),
                port, environment, root.resolve("e2e-tests/target/e2e-logs"));
        billing.awaitReady(Instant.now().plus(Duration.ofMinutes(2)));
    }

    void killBilling() throws InterruptedException {
        billing.kill();
    }

    Http http() {
        return new Http("http://127.0.0.1:" + port);
    }

    static String[] asAdmin() {
        return new String[] {IdentityHeader.NAME, new IdentityHeader(RunningPlatform.IDENTITY_SECRET).sign(
                new PlatformIdentity("platform", "ops", "admin", UUID.randomUUID().toString(),
                        PlatformIdentity.Role.ADMIN))};
    }

    long ledgered() throws SQLException {
        return queryLong("SELECT count(*) FROM usage_event");
    }

    /** Polls the ledger until it holds {@code count} events or the deadline passes; returns what it holds. */
    long awaitLedgered(long count, Duration timeout) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long now;
        while ((now = ledgered()) < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return now;
    }

    /** Ledger and rollup totals, to compare with each other and with what was produced. */
    Map<String, Long> totals() throws SQLException {
        Map<String, Long> totals = new HashMap<>();
        totals.put("events", queryLong("SELECT count(*) FROM usage_event"));
        totals.put("distinctEvents", queryLong("SELECT count(DISTINCT event_id) FROM usage_event"));
        totals.put("ledgerPromptTokens", queryLong("SELECT coalesce(sum(prompt_tokens), 0) FROM usage_event"));
        totals.put("rollupRequests", queryLong("SELECT coalesce(sum(requests), 0) FROM usage_hourly"));
        totals.put("rollupPromptTokens", queryLong("SELECT coalesce(sum(prompt_tokens), 0) FROM usage_hourly"));
        totals.put("rollupCompletionTokens", queryLong("SELECT coalesce(sum(completion_tokens), 0) FROM usage_hourly"));
        return totals;
    }

    private long queryLong(String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(jdbcUrl, infra.dbUser(), infra.dbPassword());
             Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getLong(1);
        }
    }

    /** Stops the service gracefully (SIGTERM); it can be started again on the same topic and database. */
    @Override
    public void close() {
        if (billing != null) {
            billing.close();
            billing = null;
        }
    }
}
