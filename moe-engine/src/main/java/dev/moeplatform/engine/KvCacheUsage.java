package dev.moeplatform.engine;

/**
 * The KV cache memory of a model's live sequences, in whole pages of {@code pagePositions} positions.
 *
 * @param usedBytes pages held by the live sequences
 * @param budgetBytes the limit (whole pages; 0: none)
 * @param pageBytes one page: {@code pagePositions} positions of every layer
 */
public record KvCacheUsage(long usedBytes, long budgetBytes, long pageBytes, int pagePositions) {

    /** Bytes still free under the budget, or {@link Long#MAX_VALUE} without one. */
    public long freeBytes() {
        return budgetBytes == 0 ? Long.MAX_VALUE : budgetBytes - usedBytes;
    }

    /** The bytes a sequence holding {@code positions} positions takes (whole pages). */
    public long bytesFor(long positions) {
        return (positions + pagePositions - 1) / pagePositions * pageBytes;
    }
}
