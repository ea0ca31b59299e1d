package dev.moeplatform.inference.metrics;

import static dev.moeplatform.inference.metrics.MetricNames.*;

import dev.moeplatform.engine.ExpertStats;
import dev.moeplatform.engine.Model;
import dev.moeplatform.inference.models.ModelCatalog;
import dev.moeplatform.inference.models.NativeModels;
import dev.moeplatform.inference.models.ServedModel;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * MoE expert load, read from the engine's own counters when Prometheus scrapes: the engine counts routed tokens
 * natively as it computes, and one {@link Model#expertStats()} call (one JNI copy, under the model's lock, so it
 * waits for at most the step in progress) serves every series of a scrape. Nothing happens per token.
 *
 * <p>{@code platform.inference.moe.expert.tokens{layer,expert}} is layers × experts series per model (a 60-layer,
 * 256-expert model has 15,360); {@code platform.inference.metrics.expert-series=false} leaves them out and keeps
 * the per-layer imbalance gauge.
 */
@Component
class MoeExpertMetrics implements MeterBinder {

    /** Series of one scrape read the same copy; a copy older than this is taken again. */
    static final long MAX_AGE_NANOS = 200_000_000L;

    private final ModelCatalog catalog;
    private final NativeModels models;
    private final boolean expertSeries;
    /** Micrometer holds a function meter's state weakly: the snapshots live as long as this bean. */
    private final List<Snapshot> snapshots = new ArrayList<>();

    MoeExpertMetrics(ModelCatalog catalog, NativeModels models,
            @Value("${platform.inference.metrics.expert-series:true}") boolean expertSeries) {
        this.catalog = catalog;
        this.models = models;
        this.expertSeries = expertSeries;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (ServedModel served : catalog.all()) {
            Model model = models.get(served.id()).orElse(null);
            if (model == null || !model.info().isMixtureOfExperts()) {
                continue;
            }
            Snapshot snapshot = new Snapshot(model);
            snapshots.add(snapshot);
            Tags tags = Tags.of(TAG_MODEL, served.id(), TAG_BACKEND, NATIVE);
            int layers = model.info().layers();
            int experts = model.info().experts();
            for (int layer = 0; layer < layers; layer++) {
                int l = layer;
                Tags layerTags = tags.and(TAG_LAYER, Integer.toString(layer));
                Gauge.builder(MOE_EXPERT_IMBALANCE, snapshot, s -> s.imbalance(l))
                        .description("Tokens of the busiest expert over the mean of the layer's experts since the "
                                + "model loaded (1 = balanced)")
                        .tags(layerTags).register(registry);
                if (!expertSeries) {
                    continue;
                }
                for (int expert = 0; expert < experts; expert++) {
                    int e = expert;
                    FunctionCounter.builder(MOE_EXPERT_TOKENS, snapshot, s -> s.count(l, e))
                            .description("Tokens routed to an expert since the model loaded (each token counts once "
                                    + "per expert it was routed to)")
                            .baseUnit("tokens").tags(layerTags).tag(TAG_EXPERT, Integer.toString(expert))
                            .register(registry);
                }
            }
        }
    }

    /** The engine's counters as last copied; copied again when older than {@link #MAX_AGE_NANOS}. */
    static final class Snapshot {

        private final Model model;
        private ExpertStats stats;
        private long takenAt;

        Snapshot(Model model) {
            this.model = model;
        }

        synchronized ExpertStats get() {
            long now = System.nanoTime();
            if (stats == null || now - takenAt > MAX_AGE_NANOS) {
                try {
                    stats = model.expertStats();
                    takenAt = now;
                } catch (IllegalStateException closed) {
                    // Shutting down: the model is closed; keep what was read last.
                    if (stats == null) {
                        stats = new ExpertStats(model.info().layers(), model.info().experts(),
                                new long[model.info().layers() * model.info().experts()]);
                    }
                }
            }
            return stats;
        }

        double count(int layer, int expert) {
            return get().count(layer, expert);
        }

        double imbalance(int layer) {
            return get().imbalance(layer);
        }
    }
}
