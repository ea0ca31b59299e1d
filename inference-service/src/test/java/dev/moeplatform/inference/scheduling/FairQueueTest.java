package dev.moeplatform.inference.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FairQueueTest {

    @Test
    void tenantsTakeTurnsWhateverTheirBacklog() {
        FairQueue<String> queue = new FairQueue<>();
        for (int i = 1; i <= 4; i++) {
            queue.add("busy", "busy-" + i);
        }
        queue.add("quiet", "quiet-1");
        queue.add("other", "other-1");

        List<String> order = new ArrayList<>();
        while (!queue.isEmpty()) {
            assertThat(queue.peek()).isNotNull();
            order.add(queue.poll());
        }

        assertThat(order).containsExactly("busy-1", "quiet-1", "other-1", "busy-2", "busy-3", "busy-4");
        assertThat(queue.poll()).isNull();
    }

    @Test
    void removedItemsLeaveTheirTenantsTurnConsistent() {
        FairQueue<String> queue = new FairQueue<>();
        queue.add("a", "a-1");
        queue.add("b", "b-1");
        queue.add("a", "a-2");
        List<String> removed = new ArrayList<>();

        queue.removeIf(item -> item.startsWith("b") || item.equals("a-1"), removed::add);

        assertThat(removed).containsExactlyInAnyOrder("a-1", "b-1");
        assertThat(queue.size()).isEqualTo(1);
        assertThat(queue.poll()).isEqualTo("a-2");
        assertThat(queue.isEmpty()).isTrue();
    }
}
