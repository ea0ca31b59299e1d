package dev.moeplatform.engine;

/**
 * How many tokens each layer routed to each expert. Skew (one expert taking most tokens) is what operators of MoE
 * models watch: it wastes the capacity of the others.
 */
public record ExpertStats(int layers, int experts, long[] counts) {

    public long count(int layer, int expert) {
        if (layer < 0 || layer >= layers || expert < 0 || expert >= experts) {
            throw new IndexOutOfBoundsException("layer " + layer + ", expert " + expert);
        }
        return counts[layer * experts + expert];
    }

    /** Tokens routed in one layer (each token counts once per expert it was routed to). */
    public long layerTotal(int layer) {
        long total = 0;
        for (int e = 0; e < experts; e++) {
            total += count(layer, e);
        }
        return total;
    }

    /** The busiest expert's share over the even share (1.0 = perfectly balanced), for one layer. */
    public double imbalance(int layer) {
        long total = layerTotal(layer);
        if (total == 0) {
            return 1.0;
        }
        long max = 0;
        for (int e = 0; e < experts; e++) {
            max = Math.max(max, count(layer, e));
        }
        return max / (total / (double) experts);
    }
}
