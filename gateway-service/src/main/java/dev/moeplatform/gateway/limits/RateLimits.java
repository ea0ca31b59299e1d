package dev.moeplatform.gateway.limits;

import dev.moeplatform.gateway.keys.ApiKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Requests-per-minute and tokens-per-minute limits of a key and of its tenant, enforced across replicas by token
 * buckets in Redis (one Lua script, so every check-and-take is atomic). A request takes one request token from each
 * requests bucket; the tokens buckets only need to be non-empty to admit a call and are debited with the call's
 * actual tokens when it ends. A limit left unset is not enforced.
 *
 * <p>Spring Cloud Gateway's own {@code RedisRateLimiter} keeps one configuration per route; limits here differ per
 * key and tenant, so the same token-bucket algorithm runs with per-bucket capacities.
 */
@Component
public class RateLimits {

    private static final RedisScript<List> SCRIPT = RedisScript.of(new ClassPathResource("redis/token-buckets.lua"),
            List.class);

    /** One bucket's state after a check, for the {@code x-ratelimit-*} headers. */
    public record Bucket(String kind, long limit, long remaining, long resetMs, long retryMs) {
    }

    /** The outcome of an admission: allowed or not, and the tightest requests and tokens buckets. */
    public record Decision(boolean allowed, Bucket requests, Bucket tokens) {

        public long retryAfterMs() {
            long requestsWait = requests == null ? 0 : requests.retryMs();
            long tokensWait = tokens == null ? 0 : tokens.retryMs();
            return Math.max(requestsWait, tokensWait);
        }
    }

    private record Limit(String key, String kind, long capacity) {
    }

    private final ReactiveStringRedisTemplate redis;
    private final Clock clock = Clock.systemUTC();

    RateLimits(ReactiveStringRedisTemplate redis) {
        this.redis = redis;
    }

    private static List<Limit> limits(ApiKey key, String kind) {
        List<Limit> limits = new ArrayList<>();
        // Not a conditional expression: mixing Integer and Long there would unbox, and a missing limit is null.
        Number own = key.tpmLimit();
        Number tenant = key.tenantTpmLimit();
        if (kind.equals("requests")) {
            own = key.rpmLimit();
            tenant = key.tenantRpmLimit();
        }
        if (own != null) {
            limits.add(new Limit("platform:limits:" + kind + ":key:" + key.id(), kind, own.longValue()));
        }
        if (tenant != null) {
            limits.add(new Limit("platform:limits:" + kind + ":tenant:" + key.tenant(), kind, tenant.longValue()));
        }
        return limits;
    }

    /** Takes one request from each requests bucket if every requests and tokens bucket has room. */
    public Mono<Decision> admit(ApiKey key) {
        List<Limit> limits = new ArrayList<>(limits(key, "requests"));
        limits.addAll(limits(key, "tokens"));
        if (limits.isEmpty()) {
            return Mono.just(new Decision(true, null, null));
        }
        return run(limits, "admit", limit -> limit.kind().equals("requests") ? 1 : 0);
    }

    /** Debits a finished call's actual tokens from the key's and tenant's tokens buckets. */
    public Mono<Decision> debit(ApiKey key, long tokens) {
        List<Limit> limits = limits(key, "tokens");
        if (limits.isEmpty() || tokens <= 0) {
            return Mono.just(new Decision(true, null, null));
        }
        return run(limits, "debit", limit -> tokens);
    }

    private Mono<Decision> run(List<Limit> limits, String mode, java.util.function.ToLongFunction<Limit> amount) {
        List<String> keys = limits.stream().map(Limit::key).toList();
        List<String> args = new ArrayList<>(List.of(Long.toString(clock.millis()), mode));
        for (Limit limit : limits) {
            args.add(Long.toString(limit.capacity()));
            args.add(Long.toString(amount.applyAsLong(limit)));
        }
        return redis.execute(SCRIPT, keys, args).next().map(raw -> {
            List<?> result = (List<?>) raw;
            boolean allowed = ((Number) result.get(0)).longValue() == 1;
            Bucket requests = null;
            Bucket tokens = null;
            for (int i = 0; i < limits.size(); i++) {
                Limit limit = limits.get(i);
                Bucket bucket = new Bucket(limit.kind(), limit.capacity(),
                        Math.max(0, ((Number) result.get(1 + i * 3)).longValue()),
                        ((Number) result.get(2 + i * 3)).longValue(), ((Number) result.get(3 + i * 3)).longValue());
                if (limit.kind().equals("requests")) {
                    requests = tighter(requests, bucket);
                } else {
                    tokens = tighter(tokens, bucket);
                }
            }
            return new Decision(allowed, requests, tokens);
        });
    }

    /** The bucket to report: the one that refuses longest, else the one with the least left. */
    private static Bucket tighter(Bucket a, Bucket b) {
        if (a == null) {
            return b;
        }
        if (a.retryMs() != b.retryMs()) {
            return a.retryMs() > b.retryMs() ? a : b;
        }
        return a.remaining() <= b.remaining() ? a : b;
    }
}
