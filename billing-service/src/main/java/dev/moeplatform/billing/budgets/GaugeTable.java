package dev.moeplatform.billing.budgets;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A gauge with one row per label set, refreshed as a whole. Each label set keeps one value holder for its lifetime,
 * so a refresh only changes values: MultiGauge's overwrite mode removes and re-adds every row instead, and a scrape
 * landing in between misses rows. Label sets absent from a refresh are removed.
 */
final class GaugeTable {

    private final MultiGauge gauge;
    private final Map<Tags, AtomicLong> values = new ConcurrentHashMap<>();

    GaugeTable(String name, String description, MeterRegistry registry) {
        this.gauge = MultiGauge.builder(name).description(description).register(registry);
    }

    /** Replaces the table's content; called from one thread at a time (the monitor's schedule). */
    void refresh(Map<Tags, Double> rows) {
        values.keySet().retainAll(rows.keySet());
        rows.forEach((tags, value) -> values.computeIfAbsent(tags, t -> new AtomicLong())
                .set(Double.doubleToRawLongBits(value)));
        List<MultiGauge.Row<?>> registered = values.entrySet().stream()
                .<MultiGauge.Row<?>>map(e -> MultiGauge.Row.of(e.getKey(), e.getValue(),
                        bits -> Double.longBitsToDouble(bits.get())))
                .toList();
        gauge.register(registered, false);
    }
}
