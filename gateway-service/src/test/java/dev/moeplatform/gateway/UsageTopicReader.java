package dev.moeplatform.gateway;

import dev.moeplatform.contracts.usage.UsageEvent;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import tools.jackson.databind.json.JsonMapper;

/** Reads the test run's usage topic from the beginning, as billing would, collecting events by event id. */
public final class UsageTopicReader implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final KafkaConsumer<String, byte[]> consumer;
    /** Every event read, by id, with how many times it was seen on the topic. */
    private final Map<String, UsageEvent> events = new ConcurrentHashMap<>();
    private final Map<String, Integer> copies = new ConcurrentHashMap<>();

    public UsageTopicReader(String bootstrapServers) {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", bootstrapServers);
        config.put("group.id", "usage-reader-" + UUID.randomUUID());
        config.put("auto.offset.reset", "earliest");
        consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(GatewayTestContext.USAGE_TOPIC));
    }

    /** Polls until {@code id}'s event has been read, or fails after {@code timeout}. */
    public UsageEvent await(String id, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!events.containsKey(id)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no usage event " + id + " on " + GatewayTestContext.USAGE_TOPIC
                        + " within " + timeout);
            }
            poll();
        }
        return events.get(id);
    }

    public void poll() {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            UsageEvent event = JSON.readValue(record.value(), UsageEvent.class);
            events.put(event.eventId(), event);
            copies.merge(event.eventId(), 1, Integer::sum);
        }
    }

    public Map<String, UsageEvent> events() {
        return events;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
