package dev.moeplatform.gateway.budgets;

import dev.moeplatform.gateway.keys.ApiKey;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Monthly budgets, enforced under concurrency: before a call is forwarded, its worst-case cost (every prompt byte a
 * token at the input price, plus {@code max_tokens} at the output price) is reserved atomically in Redis against
 * every budget that covers the key (its tenant's, its team's, the key's own); when the call ends the reservation is
 * replaced by the actual cost. Since a call never costs more than its reservation, concurrent calls can never take a
 * budget past its limit. Budgets and this month's spend come from billing-service; the spend kept here starts from
 * billing's figure and is never below it. A model without a price costs nothing, so no budget stops it.
 */
@Component
public class BudgetGuard {

    private static final RedisScript<List> SCRIPT = RedisScript.of(new ClassPathResource("redis/budget-reserve.lua"),
            List.class);
    private static final BigDecimal MICROS = BigDecimal.valueOf(1_000_000);

    /** One budget a call counts against. */
    record Scope(String redisKey, String label, long limitMicros, long billingSpentMicros) {
    }

    /** What a call reserved; released with {@link #settle}. */
    public record Reservation(List<Scope> scopes, long amountMicros) {
        static final Reservation NONE = new Reservation(List.of(), 0);
    }

    private final BillingClient billing;
    private final ReactiveStringRedisTemplate redis;

    BudgetGuard(BillingClient billing, ReactiveStringRedisTemplate redis) {
        this.billing = billing;
        this.redis = redis;
    }

    /** USD, exact, of tokens at a price per 1M tokens. */
    public static BigDecimal cost(BillingClient.Price price, long prompt, long cached, long completion) {
        BigDecimal cachedPrice = price.cachedInput() == null ? price.input() : price.cachedInput();
        return price.input().multiply(BigDecimal.valueOf(prompt - cached))
                .add(cachedPrice.multiply(BigDecimal.valueOf(cached)))
                .add(price.output().multiply(BigDecimal.valueOf(completion))).movePointLeft(6);
    }

    static long micros(BigDecimal usd) {
        return usd.multiply(MICROS).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    /**
     * Reserves the call's worst case against every budget covering the key, or fails with 429
     * {@code insufficient_quota} naming the budget that has too little left.
     */
    public Mono<Reservation> reserve(ApiKey key, String model, long promptBound, long maxTokens) {
        return Mono.zip(billing.prices(), billing.budgets()).flatMap(known -> {
            BillingClient.Price price = known.getT1().get(model);
            if (price == null) {
                return Mono.just(Reservation.NONE);
            }
            String month = YearMonth.now(ZoneOffset.UTC).toString();
            List<Scope> scopes = new ArrayList<>();
            for (BillingClient.Budget budget : known.getT2()) {
                if (budget.tenant().equals(key.tenant()) && (budget.team() == null || budget.team().equals(key.team()))) {
                    String team = budget.team() == null ? "*" : budget.team();
                    scopes.add(new Scope("platform:budget:" + key.tenant() + ":" + team + ":" + month,
                            budget.team() == null ? "tenant '" + key.tenant() + "'" : "team '" + team + "'",
                            micros(budget.limitUsd()), micros(budget.spentUsd())));
                }
            }
            if (key.monthlyBudgetUsd() != null) {
                scopes.add(new Scope("platform:budget:key:" + key.id() + ":" + month, "API key " + key.display(),
                        micros(key.monthlyBudgetUsd()), 0));
            }
            long worst = micros(cost(price, promptBound, 0, maxTokens));
            if (scopes.isEmpty()) {
                return Mono.just(new Reservation(List.of(), worst));
            }
            return run(scopes, "reserve", worst, 0).map(result -> {
                int refused = ((Number) result.get(0)).intValue();
                if (refused > 0) {
                    Scope scope = scopes.get(refused - 1);
                    long left = Math.max(0, ((Number) result.get(refused)).longValue());
                    throw new ApiException(new ApiError(429, "You exceeded your current quota: this request could "
                            + "cost up to $" + usd(worst) + ", and the monthly budget of " + scope.label() + " has $"
                            + usd(left) + " of $" + usd(scope.limitMicros()) + " left (" + month + ").", null,
                            "insufficient_quota"));
                }
                return new Reservation(scopes, worst);
            });
        });
    }

    /** Releases the reservation and books the call's actual cost. */
    public Mono<Void> settle(Reservation reservation, BigDecimal actualUsd) {
        if (reservation.scopes().isEmpty()) {
            return Mono.empty();
        }
        return run(reservation.scopes(), "settle", reservation.amountMicros(), micros(actualUsd)).then();
    }

    private Mono<List<?>> run(List<Scope> scopes, String mode, long amount, long actual) {
        List<String> args = new ArrayList<>(List.of(mode));
        for (Scope scope : scopes) {
            args.add(Long.toString(scope.limitMicros()));
            args.add(Long.toString(scope.billingSpentMicros()));
            args.add(Long.toString(amount));
        }
        args.add(Long.toString(actual));
        return redis.execute(SCRIPT, scopes.stream().map(Scope::redisKey).toList(), args).next()
                .map(raw -> (List<?>) raw);
    }

    private static String usd(long micros) {
        return BigDecimal.valueOf(micros).movePointLeft(6).setScale(6, RoundingMode.HALF_EVEN).toPlainString();
    }
}
