package dev.moeplatform.inference.vllm;

import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;

/**
 * A backend could not serve a request, through no fault of the request (unreachable, failed, answered with a server
 * error): the router tries the next backend, and the backend's circuit breaker counts it as a failure.
 */
public class BackendFailure extends ApiException {

    private final String reason;

    /**
     * @param reason short, stable, for headers and counters: e.g. {@code unreachable}, {@code failed}
     */
    public BackendFailure(int status, String message, String reason) {
        super(new ApiError(status, message, null, "backend_unavailable"));
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
