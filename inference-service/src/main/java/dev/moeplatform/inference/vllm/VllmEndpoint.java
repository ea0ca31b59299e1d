package dev.moeplatform.inference.vllm;

/** The OpenAI-compatible endpoints forwarded to vLLM, relative to its base URL. */
public enum VllmEndpoint {
    CHAT("chat/completions"),
    COMPLETIONS("completions");

    private final String path;

    VllmEndpoint(String path) {
        this.path = path;
    }

    String path() {
        return path;
    }
}
