package dev.moeplatform.gateway.metering;

import dev.moeplatform.contracts.usage.UsageEvent;
import dev.moeplatform.gateway.GatewayProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Hands usage events to Kafka without losing one: events go into a buffer that one sender thread drains in batches
 * to an idempotent producer (acks=all); a batch Kafka did not acknowledge stays at the head of the buffer and is
 * sent again after a pause, for as long as it takes. When the buffer holds {@code buffer-capacity} events the gateway
 * stops admitting model calls ({@link #hasRoom()}), since it could not meter them; calls already running still
 * add their events. On shutdown the sender keeps going until the buffer is empty or the flush timeout passes.
 *
 * <p>A resend after an unacknowledged (but in fact written) batch can put an event on the topic twice; its
 * {@code eventId} makes the ledger count it once.
 */
@Component
public class UsageEventPublisher {

    public static final String BUFFERED = "platform.gateway.metering.buffered";
    /** The buffer's capacity, so that dashboards and alerts can show how full it is. */
    public static final String CAPACITY = "platform.gateway.metering.capacity";
    public static final String EVENTS = "platform.gateway.metering.events";
    private static final int BATCH = 500;
    private static final Logger log = LoggerFactory.getLogger(UsageEventPublisher.class);

    private final LinkedBlockingDeque<UsageEvent> buffer = new LinkedBlockingDeque<>();
    private final KafkaProducer<String, byte[]> producer;
    private final JsonMapper json;
    private final GatewayProperties.Metering settings;
    private final Counter produced;
    private final Counter failedAttempts;
    private final Thread sender;
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean stopping;

    UsageEventPublisher(KafkaProperties kafka, JsonMapper json, GatewayProperties properties, MeterRegistry meters) {
        this.json = json;
        this.settings = properties.metering();
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", kafka.getBootstrapServers()));
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // Fail a batch in bounded time when Kafka is away, so the sender can report it and retry.
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
        config.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "gateway-metering");
        this.producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
        this.produced = Counter.builder(EVENTS).tag("result", "produced")
                .description("Usage events acknowledged by Kafka, and failed send attempts (retried)")
                .register(meters);
        this.failedAttempts = Counter.builder(EVENTS).tag("result", "failed_attempt")
                .description("Usage events acknowledged by Kafka, and failed send attempts (retried)")
                .register(meters);
        Gauge.builder(BUFFERED, this, UsageEventPublisher::buffered)
                .description("Usage events waiting for Kafka").register(meters);
        Gauge.builder(CAPACITY, settings, GatewayProperties.Metering::bufferCapacity)
                .description("Usage events the buffer holds before new model calls are refused").register(meters);
        this.sender = Thread.ofPlatform().name("usage-event-sender").daemon(false).start(this::sendLoop);
    }

    /** Whether a new model call may start: false once the buffer is at capacity (Kafka has been away too long). */
    public boolean hasRoom() {
        return !stopping && buffered() < settings.bufferCapacity();
    }

    /** Queues the event of a call that has ended; never refuses (admission was decided by {@link #hasRoom()}). */
    public void publish(UsageEvent event) {
        buffer.addLast(event);
    }

    /** Events not yet acknowledged by Kafka: waiting, and the batch being sent. */
    public int buffered() {
        return buffer.size() + inFlight.get();
    }

    private void sendLoop() {
        List<UsageEvent> batch = new ArrayList<>(BATCH);
        while (true) {
            try {
                if (batch.isEmpty()) {
                    UsageEvent first = buffer.pollFirst(200, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        if (stopping) {
                            return;
                        }
                        continue;
                    }
                    batch.add(first);
                    buffer.drainTo(batch, BATCH - 1);
                    inFlight.set(batch.size());
                }
                if (send(batch)) {
                    produced.increment(batch.size());
                    batch.clear();
                    inFlight.set(0);
                } else {
                    failedAttempts.increment(batch.size());
                    if (stopping && System.nanoTime() > flushDeadline) {
                        log.error("Giving up on {} usage events at shutdown: Kafka did not take them within {}",
                                batch.size() + buffer.size(), settings.shutdownFlushTimeout());
                        return;
                    }
                    Thread.sleep(500);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Sends the batch and waits for every acknowledgement; false if any failed (the whole batch is resent). */
    private boolean send(List<UsageEvent> batch) {
        try {
            List<Future<RecordMetadata>> acks = new ArrayList<>(batch.size());
            for (UsageEvent event : batch) {
                acks.add(producer.send(new ProducerRecord<>(settings.topic(), event.tenant(),
                        json.writeValueAsBytes(event))));
            }
            for (Future<RecordMetadata> ack : acks) {
                ack.get();
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception kafkaAway) {
            log.warn("Kafka did not acknowledge {} usage events ({}); they stay buffered and are resent",
                    batch.size(), kafkaAway.toString());
            return false;
        }
    }

    private volatile long flushDeadline = Long.MAX_VALUE;

    /** Graceful shutdown runs first (no call is in flight any more); then the buffer is flushed. */
    @PreDestroy
    void flush() throws InterruptedException {
        flushDeadline = System.nanoTime() + settings.shutdownFlushTimeout().toNanos();
        stopping = true;
        sender.join(settings.shutdownFlushTimeout().plus(Duration.ofSeconds(5)).toMillis());
        producer.close(Duration.ofSeconds(5));
        if (!buffer.isEmpty()) {
            log.error("{} usage events were not delivered to Kafka before shutdown", buffer.size());
        }
    }
}
