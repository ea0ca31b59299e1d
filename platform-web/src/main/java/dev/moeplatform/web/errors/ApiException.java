package dev.moeplatform.web.errors;

/** Thrown by a service's own code to answer with a specific client error, rendered in the path's shape. */
public class ApiException extends RuntimeException {

    private final transient ApiError error;

    public ApiException(ApiError error) {
        super(error.message());
        this.error = error;
    }

    public ApiError error() {
        return error;
    }
}
