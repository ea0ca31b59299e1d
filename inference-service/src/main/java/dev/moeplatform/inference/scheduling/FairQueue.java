package dev.moeplatform.inference.scheduling;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Waiting requests, served round-robin across tenants: each tenant keeps its own FIFO, and the tenants take turns,
 * so one tenant's burst does not hold back another tenant's single request. Not thread-safe (the scheduler guards
 * it).
 */
final class FairQueue<T> {

    private final Map<String, ArrayDeque<T>> byTenant = new HashMap<>();
    private final ArrayDeque<String> turns = new ArrayDeque<>();
    private int size;

    void add(String tenant, T item) {
        byTenant.computeIfAbsent(tenant, t -> {
            turns.addLast(t);
            return new ArrayDeque<>();
        }).addLast(item);
        size++;
    }

    /** The item whose turn it is, without taking it; null when empty. */
    T peek() {
        String tenant = turns.peekFirst();
        return tenant == null ? null : byTenant.get(tenant).peekFirst();
    }

    /** Takes the item {@link #peek} shows; its tenant goes to the back of the line. */
    T poll() {
        String tenant = turns.pollFirst();
        if (tenant == null) {
            return null;
        }
        ArrayDeque<T> queue = byTenant.get(tenant);
        T item = queue.pollFirst();
        if (queue.isEmpty()) {
            byTenant.remove(tenant);
        } else {
            turns.addLast(tenant);
        }
        size--;
        return item;
    }

    /** Removes every item that matches, calling {@code onRemoved} for each. */
    void removeIf(Predicate<T> matches, java.util.function.Consumer<T> onRemoved) {
        for (var it = byTenant.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            entry.getValue().removeIf(item -> {
                if (matches.test(item)) {
                    onRemoved.accept(item);
                    size--;
                    return true;
                }
                return false;
            });
            if (entry.getValue().isEmpty()) {
                turns.remove(entry.getKey());
                it.remove();
            }
        }
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }
}
