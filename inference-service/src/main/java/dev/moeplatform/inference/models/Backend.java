package dev.moeplatform.inference.models;

import java.util.Locale;

/** Where a model is computed: the in-process native MoE engine, or a vLLM server reached over HTTP. */
public enum Backend {
    NATIVE,
    VLLM;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
