package dev.moeplatform.engine;

/**
 * The JNI boundary: every native entry point of {@code libmoeengine}, and nothing else. Only the owning Java objects
 * ({@link Model}, {@link Sequence}) call these, and they guarantee that a handle is live and used by one thread at a
 * time; the native side still validates every argument it can (non-zero handles with the right magic, lengths,
 * token ids, positions) and reports failures as exceptions, never by crashing.
 *
 * <p>Exceptions thrown by the native side: {@link GgufFormatException} for a file that is not a valid model,
 * {@link EngineException} for everything else that fails inside the engine (out of memory, I/O),
 * {@link IllegalArgumentException} for bad arguments, {@link KvCacheFullException} for a step the KV cache budget cannot
 * hold.
 */
final class NativeEngine {

    private NativeEngine() {
    }

    // ---- models --------------------------------------------------------------------------------------------

    /**
     * Memory-maps and validates a GGUF file and binds the model's weights.
     *
     * @param threads worker threads of this model's thread pool (>= 1)
     * @param kernels "auto" (the first of {@link #supportedKernels()}), or one of "avx512-q8a", "avx512", "avx2-q8a",
     *     "avx2", "scalar"; one the CPU lacks is refused. The "-q8a" paths round activations to 8 bits per block of
     *     32 for Q4_0/Q8_0 weights (integer dot products, faster); the others multiply exact float activations
     * @return the model handle
     */
    static native long modelLoad(String path, int threads, String kernels);

    static native void modelFree(long model);

    /** Architecture, hyper-parameters, vocabulary size, kernel path, weight bytes, KV bytes per token, as JSON. */
    static native String modelInfoJson(long model);

    /** GGUF metadata access; the "missing" forms return null (arrays, strings) or the fallback (scalars). */
    static native String metaString(long model, String key);

    static native long metaLong(long model, String key, long fallback);

    static native double metaDouble(long model, String key, double fallback);

    static native boolean metaBool(long model, String key, boolean fallback);

    static native String[] metaStringArray(long model, String key);

    static native float[] metaFloatArray(long model, String key);

    static native int[] metaIntArray(long model, String key);

    /** Tokens routed to each expert since load or the last reset, {@code [layer * n_expert + expert]}. */
    static native long[] expertCounts(long model);

    static native void expertCountsReset(long model);

    /**
     * Where the steps' time went since load or the last reset, as JSON: step_ns, tokens, attention_ns and
     * matmul_ns_{type} (matrix products by weight type); optionally resets the counters.
     */
    static native String profileJson(long model, boolean reset);

    /** Sets the KV cache budget in bytes (whole pages; 0 = none); refused below what live sequences hold. */
    static native void modelSetKvBudget(long model, long bytes);

    /** {used bytes, budget bytes, bytes per page} of the KV cache. */
    static native long[] kvCacheUsage(long model);

    // ---- sequences -----------------------------------------------------------------------------------------

    /** A sequence that may hold up to {@code contextLength} positions (its KV cache pages are taken as it grows). */
    static native long sequenceNew(long model, int contextLength);

    static native void sequenceFree(long sequence);

    /** How many positions the sequence has consumed. */
    static native int sequencePosition(long sequence);

    /** Forgets positions from {@code position} on (for example a rejected stop string); keeps the ones before. */
    static native void sequenceTruncate(long sequence, int position);

    /**
     * One engine step: sequence {@code i} consumes {@code counts[i]} tokens (taken in order from {@code tokens}) at
     * its next positions, and the logits after its last token are written to
     * {@code logits[i * vocab .. (i + 1) * vocab)}. All arguments are checked before anything is computed, so a
     * rejected step changes no sequence.
     */
    static native void step(long model, long[] sequences, int[] tokens, int[] counts, float[] logits);

    // ---- kernels, exposed for tests and the benchmark ------------------------------------------------------

    /** The kernel paths this CPU supports, best first, e.g. {@code ["avx2-q8a", "avx2", "scalar"]}. */
    static native String[] supportedKernels();

    /** Dequantizes {@code n} values of GGML type {@code type} from their raw bytes. */
    static native float[] dequantize(int type, byte[] data, int n);

    /** Dot product of {@code n} values of GGML type {@code type} (raw bytes) with float {@code x}, on a kernel path. */
    static native float dot(int type, byte[] data, float[] x, int n, String kernels);

    /** Reads {@code bytes} of memory {@code passes} times with the given threads; returns bytes per second. */
    static native double memoryBandwidth(long bytes, int passes, int threads);
}
