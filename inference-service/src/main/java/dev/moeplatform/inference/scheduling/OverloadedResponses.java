package dev.moeplatform.inference.scheduling;

import dev.moeplatform.web.servlet.ServletErrorResponses;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** Renders {@link EngineOverloadedException} like any API error, plus the {@code Retry-After} header. */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
class OverloadedResponses {

    private final ServletErrorResponses responses;

    OverloadedResponses(ServletErrorResponses responses) {
        this.responses = responses;
    }

    @ExceptionHandler(EngineOverloadedException.class)
    ResponseEntity<Object> overloaded(EngineOverloadedException ex, HttpServletRequest request) {
        ResponseEntity<Object> error = responses.entity(ex.error(), request);
        return ResponseEntity.status(error.getStatusCode())
                .headers(error.getHeaders())
                .header(HttpHeaders.RETRY_AFTER, String.valueOf(ex.retryAfterSeconds()))
                .body(error.getBody());
    }
}
