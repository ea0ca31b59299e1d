package dev.moeplatform.inference.metrics;

import java.util.Locale;

/**
 * How a request ended, as the {@code outcome} tag of {@code platform.inference.requests} spells it. {@code stop} and
 * {@code length} are vLLM's finished reasons (a request counts as {@code length} when any of its choices ran out of
 * tokens or context); the others are failures.
 */
public enum Outcome {
    STOP,
    LENGTH,
    CANCELLED,
    TIMEOUT,
    REJECTED,
    ERROR;

    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
