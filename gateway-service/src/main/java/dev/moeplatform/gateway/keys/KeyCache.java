package dev.moeplatform.gateway.keys;

import dev.moeplatform.gateway.Blocking;
import dev.moeplatform.gateway.GatewayProperties;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * Verifies presented API keys against the store, keeping verified keys in memory so that the request path does not
 * read the database. A revocation is published on Redis channel {@value #INVALIDATIONS}; every replica listening
 * evicts the key at once, so revocation takes effect everywhere within the message's delivery time. The cache's
 * TTL only bounds staleness if a replica missed that message (its subscription was down).
 */
@Component
public class KeyCache {

    static final String INVALIDATIONS = "platform:gateway:key-invalidations";
    /** Unknown ids are remembered briefly, so that a flood of made-up keys does not reach the database. */
    private static final Duration NEGATIVE_TTL = Duration.ofSeconds(5);
    private static final Logger log = LoggerFactory.getLogger(KeyCache.class);

    private record Entry(Optional<ApiKey> key, Instant loadedAt) {
    }

    private final KeyStore store;
    private final ReactiveStringRedisTemplate redis;
    private final Duration ttl;
    private final Clock clock = Clock.systemUTC();
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final Counter hits;
    private final Counter misses;
    private Disposable subscription;

    KeyCache(KeyStore store, ReactiveStringRedisTemplate redis, GatewayProperties properties, MeterRegistry meters) {
        this.store = store;
        this.redis = redis;
        this.ttl = properties.keyCacheTtl();
        this.hits = Counter.builder("platform.gateway.key.cache").tag("result", "hit")
                .description("API key lookups answered from memory or the database").register(meters);
        this.misses = Counter.builder("platform.gateway.key.cache").tag("result", "miss")
                .description("API key lookups answered from memory or the database").register(meters);
    }

    @EventListener(ApplicationReadyEvent.class)
    void listenForInvalidations() {
        subscription = redis.listenToChannel(INVALIDATIONS)
                .doOnNext(message -> entries.remove(message.getMessage()))
                .doOnError(e -> log.warn("Key invalidation channel failed; resubscribing: {}", e.toString()))
                .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(200)).maxBackoff(Duration.ofSeconds(5)))
                .subscribe();
    }

    @PreDestroy
    void stop() {
        if (subscription != null) {
            subscription.dispose();
        }
    }

    /** The key behind {@code presented}, if it exists, matches and can be used now; otherwise a 401. */
    public Mono<ApiKey> verify(String presented) {
        String id = ApiKeys.idOf(presented);
        if (id == null) {
            return Mono.error(invalid("Incorrect API key provided. Keys look like sk-moe-<id>-<secret>; an "
                    + "administrator creates them under /admin/keys."));
        }
        return lookup(id).flatMap(found -> {
            ApiKey key = found.orElse(null);
            if (key == null || !MessageDigest.isEqual(key.secretSha256(), ApiKeys.sha256(presented))) {
                return Mono.error(invalid("Incorrect API key provided: " + ApiKeys.display(id)));
            }
            String unusable = key.unusableReason(clock.instant());
            return unusable == null ? Mono.just(key) : Mono.error(invalid(unusable));
        });
    }

    /**
     * The key with this id, for a call a platform service makes on its behalf (the service proved the identity with
     * its signature, not the key's secret): it must still exist, belong to {@code tenant} and be usable now.
     */
    public Mono<ApiKey> usable(String id, String tenant) {
        return lookup(id).flatMap(found -> {
            ApiKey key = found.orElse(null);
            if (key == null || !key.tenant().equals(tenant)) {
                return Mono.error(invalid("The API key this call is made on behalf of no longer exists: "
                        + ApiKeys.display(id)));
            }
            String unusable = key.unusableReason(clock.instant());
            return unusable == null ? Mono.just(key) : Mono.error(invalid(unusable));
        });
    }

    private Mono<Optional<ApiKey>> lookup(String id) {
        Entry entry = entries.get(id);
        Instant now = clock.instant();
        if (entry != null && entry.loadedAt().plus(entry.key().isPresent() ? ttl : NEGATIVE_TTL).isAfter(now)) {
            hits.increment();
            return Mono.just(entry.key());
        }
        misses.increment();
        return Blocking.call(() -> store.find(id)).doOnNext(key -> entries.put(id, new Entry(key, now)));
    }

    /** Drops the key here and, through Redis, on every other replica. */
    public Mono<Void> invalidate(String id) {
        entries.remove(id);
        return redis.convertAndSend(INVALIDATIONS, id).then();
    }

    static ApiException invalid(String message) {
        return new ApiException(ApiError.of(401, message, "invalid_api_key"));
    }
}
