package dev.moeplatform.inference.scheduling;

import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import java.time.Duration;

/** 429 {@code engine_overloaded}: the scheduler is at a configured limit; the client should retry later. */
public class EngineOverloadedException extends ApiException {

    private final long retryAfterSeconds;

    EngineOverloadedException(String message, Duration retryAfter) {
        super(new ApiError(429, message, null, "engine_overloaded"));
        this.retryAfterSeconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    }

    /** What the {@code Retry-After} header says, in whole seconds (at least 1). */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
