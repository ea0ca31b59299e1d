package dev.moeplatform.web.servlet;

import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiErrorMapper;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * The last-resort handler of every servlet service: each exception becomes an error in the path's shape. Lowest
 * precedence so that a service's own advice for its domain exceptions is consulted first.
 */
@RestControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
public class ApiExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    private final ApiErrorMapper mapper;
    private final ServletErrorResponses responses;

    public ApiExceptionHandler(ApiErrorMapper mapper, ServletErrorResponses responses) {
        this.mapper = mapper;
        this.responses = responses;
    }

    @ExceptionHandler(Exception.class)
    public ResponseEntity<Object> handle(Exception ex, HttpServletRequest request) {
        ApiError error = mapper.map(ex, request.getMethod(), request.getRequestURI());
        if (error.status() >= 500) {
            log.error("Request {} {} failed", request.getMethod(), request.getRequestURI(), ex);
        } else {
            log.debug("Request {} {} rejected: {}", request.getMethod(), request.getRequestURI(), error.message());
        }
        return responses.entity(error, request);
    }
}
