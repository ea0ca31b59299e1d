package dev.moeplatform.contracts.errors;

import java.util.Objects;

/**
 * OpenAI's error body, {@code {"error": {"message", "type", "param", "code"}}}, returned on the OpenAI-compatible
 * model endpoints so that OpenAI SDKs surface our errors the way they surface OpenAI's.
 */
public record OpenAiError(Body error) {

    public OpenAiError {
        Objects.requireNonNull(error, "error");
    }

    public static OpenAiError of(int httpStatus, String message, String param, String code) {
        return new OpenAiError(new Body(message, typeFor(httpStatus), param, code));
    }

    /** The {@code type} values OpenAI's API and SDKs use for each class of status. */
    public static String typeFor(int httpStatus) {
        return switch (httpStatus) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "invalid_request_error";
            case 429 -> "rate_limit_error";
            case 503 -> "service_unavailable";
            default -> httpStatus >= 500 ? "server_error" : "invalid_request_error";
        };
    }

    /** {@code param} and {@code code} are null when not applicable; OpenAI sends them as explicit nulls. */
    public record Body(String message, String type, String param, String code) {

        public Body {
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(type, "type");
        }
    }
}
