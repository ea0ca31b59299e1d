package dev.moeplatform.gateway.metering;

import static dev.moeplatform.gateway.Admin.bearer;
import static dev.moeplatform.testing.ErrorShapeAssertions.assertOpenAiError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.gateway.Admin;
import dev.moeplatform.gateway.GatewayTest;
import dev.moeplatform.gateway.GatewayTestContext;
import dev.moeplatform.gateway.UsageTopicReader;
import dev.moeplatform.testing.Http;
import dev.moeplatform.testing.TestInfrastructure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Nothing is lost when Kafka goes away: calls made during the outage are buffered and delivered once it is back; a
 * replica whose buffer is full refuses new calls (503) instead of serving them unmetered; a replica shut down during
 * the outage flushes its buffer before it exits. In the end the distinct event ids on the topic are exactly the calls
 * that were served.
 */
@GatewayTest
class KafkaOutageTest {

    static final String CHAT = "{\"model\":\"m1\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";

    @Value("${local.server.port}")
    int port;
    @Value("${spring.kafka.bootstrap-servers}")
    String kafka;
    @Autowired
    UsageEventPublisher publisher;

    @Test
    void everyServedCallReachesTheTopicAcrossAnOutageAndAShutdown() throws Exception {
        Http gateway = new Http("http://127.0.0.1:" + port);
        Admin admin = new Admin(gateway);
        String[] key = bearer(admin.key(admin.tenant(""), "").get("key").asString());
        List<String> served = new ArrayList<>();
        TestInfrastructure infra = TestInfrastructure.get();

        try (UsageTopicReader topic = new UsageTopicReader(kafka);
             ConfigurableApplicationContext small = GatewayTestContext.startReplica(
                     "--platform.gateway.metering.buffer-capacity=3")) {
            Http smallReplica = GatewayTestContext.http(small);
            call(gateway, key, served, 200);

            infra.pauseKafka();
            try {
                for (int i = 0; i < 6; i++) {
                    call(gateway, key, served, 200);
                }
                // A call's event is queued as its exchange completes, a moment after the client has the answer.
                long queued = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (publisher.buffered() < 6 && System.nanoTime() < queued) {
                    Thread.sleep(20);
                }
                assertThat(publisher.buffered()).as("events waiting for Kafka").isGreaterThanOrEqualTo(6);
                // The small replica takes calls until 3 events wait, then refuses rather than serve unmetered.
                for (int i = 0; i < 3; i++) {
                    call(smallReplica, key, served, 200);
                }
                UsageEventPublisher smallBuffer = small.getBean(UsageEventPublisher.class);
                long full = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (smallBuffer.buffered() < 3 && System.nanoTime() < full) {
                    Thread.sleep(20);
                }
                Http.Response refused = smallReplica.post("/v1/chat/completions", "application/json", CHAT, key);
                assertThat(assertOpenAiError(refused, 503).get("code").asString()).isEqualTo("metering_unavailable");
                // Shut the small replica down while Kafka is still away: it must hold on to its events.
                CompletableFuture<Void> shutdown = CompletableFuture.runAsync(small::close);
                Thread.sleep(2000);
                assertThat(shutdown).as("still flushing while Kafka is away").isNotDone();
            } finally {
                infra.resumeKafka();
            }
            call(gateway, key, served, 200);

            Set<String> expected = new HashSet<>(served);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!topic.events().keySet().containsAll(expected) && System.nanoTime() < deadline) {
                topic.poll();
            }
            Set<String> seen = new HashSet<>(topic.events().keySet());
            seen.retainAll(expected);
            assertThat(seen).as("distinct event ids on the topic").hasSize(served.size())
                    .containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    private static void call(Http gateway, String[] key, List<String> served, int status) {
        String id = "outage-" + UUID.randomUUID();
        Http.Response response = gateway.post("/v1/chat/completions", "application/json", CHAT, key[0], key[1],
                "x-request-id", id);
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        served.add(id);
    }
}
