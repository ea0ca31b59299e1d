package dev.moeplatform.billing.budgets;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GaugeTableTest {

    @Test
    void refreshUpdatesValuesInPlaceAndDropsAbsentRows() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        GaugeTable table = new GaugeTable("test.table", "a table", registry);
        table.refresh(Map.of(Tags.of("tenant", "a"), 0.5, Tags.of("tenant", "b"), 2.0));
        var a = registry.get("test.table").tag("tenant", "a").gauge();
        table.refresh(Map.of(Tags.of("tenant", "a"), 0.75));

        assertThat(registry.get("test.table").tag("tenant", "a").gauge()).isSameAs(a);
        assertThat(a.value()).isEqualTo(0.75);
        assertThat(registry.find("test.table").tag("tenant", "b").gauge()).isNull();
    }

    @Test
    void aReaderNeverSeesARowMissingWhileTheTableRefreshes() throws InterruptedException {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        GaugeTable table = new GaugeTable("test.table", "a table", registry);
        Tags row = Tags.of("tenant", "a");
        table.refresh(Map.of(row, 0.0));
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger missed = new AtomicInteger();
        Thread reader = Thread.ofPlatform().start(() -> {
            while (!done.get()) {
                if (registry.find("test.table").tags(row).gauge() == null) {
                    missed.incrementAndGet();
                }
            }
        });
        for (int i = 1; i <= 20_000; i++) {
            table.refresh(Map.of(row, (double) i));
        }
        done.set(true);
        reader.join();

        assertThat(missed).hasValue(0);
        assertThat(registry.get("test.table").tags(row).gauge().value()).isEqualTo(20_000);
    }
}
