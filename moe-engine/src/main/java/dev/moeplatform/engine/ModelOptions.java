package dev.moeplatform.engine;

/**
 * How to run a model.
 *
 * @param threads worker threads for this model's matrix products (its own pool; two models do not share one)
 * @param kernels "auto" for the fastest path the CPU supports, or a name from {@link Model#supportedKernels()} to force
 *     one: "avx512-q8a"/"avx2-q8a" multiply quantized weights with activations rounded to 8 bits (integer dot
 *     products, as llama.cpp does; logits within a few percent of exact), "avx512"/"avx2"/"scalar" use exact float
 *     activations
 * @param kvCacheBytes the most memory all this model's sequences may hold in KV cache pages together (0: no limit);
 *     a step that would need more fails with {@link KvCacheFullException} and changes nothing
 */
public record ModelOptions(int threads, String kernels, long kvCacheBytes) {

    public ModelOptions {
        if (threads < 1 || threads > 1024) {
            throw new IllegalArgumentException("threads must be between 1 and 1024, not " + threads);
        }
        if (kernels == null || kernels.isBlank()) {
            kernels = "auto";
        }
        if (kvCacheBytes < 0) {
            throw new IllegalArgumentException("the KV cache budget must be >= 0 bytes, not " + kvCacheBytes);
        }
    }

    /** No KV cache limit. */
    public ModelOptions(int threads, String kernels) {
        this(threads, kernels, 0);
    }

    public static ModelOptions defaults() {
        return new ModelOptions(Math.max(1, Runtime.getRuntime().availableProcessors()), "auto");
    }

    public ModelOptions withThreads(int count) {
        return new ModelOptions(count, kernels, kvCacheBytes);
    }

    public ModelOptions withKernels(String path) {
        return new ModelOptions(threads, path, kvCacheBytes);
    }

    public ModelOptions withKvCacheBytes(long bytes) {
        return new ModelOptions(threads, kernels, bytes);
    }
}
