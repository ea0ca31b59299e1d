package dev.moeplatform.engine;

/**
 * How to run a model.
 *
 * @param threads worker threads for this model's matrix products (its own pool; two models do not share one)
 * @param kernels "auto" for the fastest path the CPU supports, or a name from {@link Model#supportedKernels()} to force
 *     one: "avx512-q8a"/"avx2-q8a" multiply Q4_0/Q8_0 weights with activations rounded to 8 bits (integer dot
 *     products, as llama.cpp does; logits within a few percent of exact), "avx512"/"avx2"/"scalar" use exact float
 *     activations
 */
public record ModelOptions(int threads, String kernels) {

    public ModelOptions {
        if (threads < 1 || threads > 1024) {
            throw new IllegalArgumentException("threads must be between 1 and 1024, not " + threads);
        }
        if (kernels == null || kernels.isBlank()) {
            kernels = "auto";
        }
    }

    public static ModelOptions defaults() {
        return new ModelOptions(Math.max(1, Runtime.getRuntime().availableProcessors()), "auto");
    }

    public ModelOptions withThreads(int count) {
        return new ModelOptions(count, kernels);
    }

    public ModelOptions withKernels(String path) {
        return new ModelOptions(threads, path);
    }
}
