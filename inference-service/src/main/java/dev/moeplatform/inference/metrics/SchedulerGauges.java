package dev.moeplatform.inference.metrics;

import static dev.moeplatform.inference.metrics.MetricNames.*;

import dev.moeplatform.engine.Model;
import dev.moeplatform.inference.models.ModelCatalog;
import dev.moeplatform.inference.models.NativeModels;
import dev.moeplatform.inference.models.ServedModel;
import dev.moeplatform.inference.scheduling.Scheduler;
import dev.moeplatform.inference.scheduling.SchedulerProperties;
import dev.moeplatform.inference.scheduling.Schedulers;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.stereotype.Component;

/**
 * Gauges read from each native model's scheduler when Prometheus scrapes (never on the engine's path), and every
 * request meter registered up front so that a model's series exist before its first request.
 *
 * <p>KV cache: the engine allocates each sequence's KV cache once, for prompt plus max_tokens positions (capped by
 * the context), and frees it when the sequence ends. {@code max-tokens-in-flight} is the budget of such positions
 * the scheduler lets running and queued requests claim, so {@code kv.cache.usage} = positions allocated to running
 * sequences / max-tokens-in-flight (0..1), the counterpart of vLLM's share of KV blocks in use; {@code
 * kv.cache.bytes} is the same allocation in bytes (positions × the model's KV bytes per token).
 */
@Component
class SchedulerGauges implements MeterBinder {

    private final ModelCatalog catalog;
    private final Schedulers schedulers;
    private final NativeModels models;
    private final SchedulerProperties limits;
    private final InferenceMetrics metrics;

    SchedulerGauges(ModelCatalog catalog, Schedulers schedulers, NativeModels models, SchedulerProperties limits,
            InferenceMetrics metrics) {
        this.catalog = catalog;
        this.schedulers = schedulers;
        this.models = models;
        this.limits = limits;
        this.metrics = metrics;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (ServedModel served : catalog.all()) {
            Scheduler scheduler = schedulers.forModel(served.id()).orElse(null);
            Model model = models.get(served.id()).orElse(null);
            if (scheduler == null || model == null) {
                continue;
            }
            Tags tags = Tags.of(TAG_MODEL, served.id(), TAG_BACKEND, NATIVE);
            ModelMeters meters = metrics.meters(served.id(), NATIVE);
            Gauge.builder(REQUESTS_WAITING, scheduler, s -> s.stats().queuedRequests())
                    .description("Requests accepted and waiting for room in the batch").tags(tags).register(registry);
            Gauge.builder(SEQUENCES_RUNNING, scheduler, s -> s.stats().runningSequences())
                    .description("Sequences in the engine's batch (an n-choice request counts n)").tags(tags)
                    .register(registry);
            FunctionCounter.builder(ENGINE_BUSY, scheduler, s -> s.stats().busyNanos() / 1e9)
                    .description("Time the engine spent stepping batches (prefill and decode)").baseUnit("seconds")
                    .tags(tags).register(registry);
            long kvBudget = model.kvCache().budgetBytes();
            if (kvBudget > 0) {
                Gauge.builder(KV_CACHE_USAGE, scheduler, s -> (double) s.stats().kvCacheReservedBytes() / kvBudget)
                        .description("KV cache reserved by running requests (their worst case) over the budget (0..1)")
                        .tags(tags).register(registry);
            } else {
                double budget = limits.maxTokensInFlight();
                Gauge.builder(KV_CACHE_USAGE, meters, m -> Math.min(1.0, m.kvPositions() / budget))
                        .description("KV cache positions of running sequences over max-tokens-in-flight (0..1)")
                        .tags(tags).register(registry);
            }
            Gauge.builder(KV_CACHE_BYTES, scheduler, s -> (double) s.stats().kvCacheBytes())
                    .description("KV cache pages held by the model's sequences after the last step").baseUnit("bytes")
                    .tags(tags).register(registry);
        }
    }
}
