package dev.moeplatform.web.servlet;

import dev.moeplatform.web.config.RequestIds;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ErrorBodies;
import dev.moeplatform.web.errors.ErrorShape;
import dev.moeplatform.web.errors.ErrorShapeResolver;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.json.JsonMapper;

/**
 * Builds error responses for servlet services in the shape the request's path calls for. Services use it from
 * their own exception handlers so that domain errors look exactly like the platform's generic ones.
 */
public final class ServletErrorResponses {

    private final ErrorShapeResolver shapes;
    private final JsonMapper json;

    public ServletErrorResponses(ErrorShapeResolver shapes, JsonMapper json) {
        this.shapes = shapes;
        this.json = json;
    }

    public ResponseEntity<Object> entity(ApiError error, HttpServletRequest request) {
        return entity(error, request.getRequestURI(), request);
    }

    /** For the error page, where the original path differs from the request's own URI. */
    ResponseEntity<Object> entity(ApiError error, String path, HttpServletRequest request) {
        ErrorShape shape = shapes.shapeFor(path);
        return ResponseEntity.status(error.status())
                .contentType(ErrorBodies.mediaType(shape))
                .body(ErrorBodies.body(error, shape, path, requestId(request)));
    }

    /** For filters, which run before Spring MVC and write the response themselves. */
    public void write(ApiError error, HttpServletRequest request, HttpServletResponse response) throws IOException {
        ErrorShape shape = shapes.shapeFor(request.getRequestURI());
        response.setStatus(error.status());
        response.setContentType(ErrorBodies.mediaType(shape).toString());
        response.setCharacterEncoding("UTF-8");
        json.writeValue(response.getOutputStream(),
                ErrorBodies.body(error, shape, request.getRequestURI(), requestId(request)));
    }

    private static String requestId(HttpServletRequest request) {
        Object id = request.getAttribute(RequestIds.ATTRIBUTE);
        return id == null ? null : id.toString();
    }
}
