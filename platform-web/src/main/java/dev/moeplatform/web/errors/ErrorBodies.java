package dev.moeplatform.web.errors;

import dev.moeplatform.contracts.errors.OpenAiError;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;

/** Renders an {@link ApiError} in one of the two public error shapes. */
public final class ErrorBodies {

    private ErrorBodies() {
    }

    public static MediaType mediaType(ErrorShape shape) {
        return shape == ErrorShape.OPENAI ? MediaType.APPLICATION_JSON : MediaType.APPLICATION_PROBLEM_JSON;
    }

    /**
     * @param path the request path, used as the problem's {@code instance}
     * @param requestId echoed in problems so that a caller can quote it; OpenAI's shape carries it in the header only
     */
    public static Object body(ApiError error, ErrorShape shape, String path, String requestId) {
        if (shape == ErrorShape.OPENAI) {
            return OpenAiError.of(error.status(), error.message(), error.param(), error.code());
        }
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", "about:blank");
        HttpStatus status = HttpStatus.resolve(error.status());
        problem.put("title", status != null ? status.getReasonPhrase() : "Error");
        problem.put("status", error.status());
        problem.put("detail", error.message());
        problem.put("instance", path);
        if (error.code() != null) {
            problem.put("code", error.code());
        }
        if (error.param() != null) {
            problem.put("param", error.param());
        }
        if (requestId != null) {
            problem.put("requestId", requestId);
        }
        return problem;
    }
}
