package dev.moeplatform.web.errors;

import java.net.ConnectException;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.core.codec.DecodingException;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.BindingResult;
import org.springframework.validation.FieldError;
import org.springframework.web.ErrorResponse;

/**
 * Turns any exception that reaches the HTTP edge into an {@link ApiError} with a message that names the problem.
 * Shared by the servlet and the reactive stacks so that both phrase the same failure the same way.
 */
public final class ApiErrorMapper {

    private static final int MAX_DETAIL_LENGTH = 300;

    /** @return the client error, or a 500 for anything unexpected (the caller logs those). */
    public ApiError map(Throwable ex, String method, String path) {
        if (ex instanceof ApiException api) {
            return api.error();
        }
        PayloadTooLargeException tooLarge = findCause(ex, PayloadTooLargeException.class);
        if (tooLarge != null) {
            return tooLarge.toApiError();
        }
        if (findCause(ex, DataBufferLimitException.class) != null) {
            return ApiError.of(413, "Request body is larger than this endpoint accepts.", "payload_too_large");
        }
        if (ex instanceof BindingResult binding && binding.hasErrors()) {
            return invalidField(binding);
        }
        if (ex instanceof HttpMessageNotReadableException || findCause(ex, DecodingException.class) != null) {
            return unreadableBody(ex);
        }
        if (findCause(ex, ConnectException.class) != null) {
            return ApiError.of(503, "An upstream service is not reachable; try again shortly.", "upstream_unavailable");
        }
        if (ex instanceof ErrorResponse response) {
            return fromSpringErrorResponse(response, method, path);
        }
        return ApiError.of(500, "The server failed to process the request.", "internal_error");
    }

    private static ApiError invalidField(BindingResult binding) {
        FieldError field = binding.getFieldError();
        if (field == null) {
            return ApiError.of(400, "Invalid request: " + binding.getAllErrors().getFirst().getDefaultMessage(),
                    "invalid_request");
        }
        return new ApiError(400, "Invalid value for '" + field.getField() + "': " + field.getDefaultMessage(),
                field.getField(), "invalid_value");
    }

    private static ApiError unreadableBody(Throwable ex) {
        String cause = rootCause(ex).getMessage();
        if (cause != null && cause.startsWith("Required request body is missing")) {
            return ApiError.of(400, "Request body is missing.", "missing_body");
        }
        String detail = cause == null ? "" : ": " + firstLine(cause);
        return ApiError.of(400, "Request body is not valid JSON" + detail, "invalid_json");
    }

    private static ApiError fromSpringErrorResponse(ErrorResponse response, String method, String path) {
        int status = response.getStatusCode().value();
        return switch (status) {
            case 404 -> ApiError.of(404, "No endpoint " + method + " " + path + ".", "not_found");
            case 405 -> ApiError.of(405, "Method " + method + " is not supported for " + path
                    + allowedSuffix(response.getHeaders().getAllow()) + ".", "method_not_allowed");
            case 406 -> ApiError.of(406, "This endpoint answers only with JSON; accept application/json.",
                    "not_acceptable");
            case 415 -> ApiError.of(415, detailOrReason(response) + " Send application/json.",
                    "unsupported_media_type");
            default -> ApiError.of(status, detailOrReason(response), null);
        };
    }

    private static String allowedSuffix(Set<HttpMethod> allowed) {
        if (allowed == null || allowed.isEmpty()) {
            return "";
        }
        return "; allowed: " + allowed.stream().map(HttpMethod::name).sorted().collect(Collectors.joining(", "));
    }

    private static String detailOrReason(ErrorResponse response) {
        String detail = response.getBody().getDetail();
        if (detail != null && !detail.isBlank()) {
            return firstLine(detail);
        }
        HttpStatus known = HttpStatus.resolve(response.getStatusCode().value());
        return known != null ? known.getReasonPhrase() : "Request failed";
    }

    private static String firstLine(String text) {
        String line = text.lines().findFirst().orElse("").strip();
        return line.length() > MAX_DETAIL_LENGTH ? line.substring(0, MAX_DETAIL_LENGTH) + "…" : line;
    }

    private static Throwable rootCause(Throwable ex) {
        Throwable current = ex;
        while (current.getCause() != null && current.getCause() != current) {
            current = current.getCause();
        }
        return current;
    }

    private static <T extends Throwable> T findCause(Throwable ex, Class<T> type) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
