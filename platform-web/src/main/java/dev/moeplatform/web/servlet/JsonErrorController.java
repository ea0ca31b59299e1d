package dev.moeplatform.web.servlet;

import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiErrorMapper;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Replaces Boot's whitelabel error page: errors that escape Spring MVC (a filter's exception, the container's own
 * error dispatch) are answered in the platform's JSON shapes too, never as HTML, whatever the client accepts.
 */
@RestController
public class JsonErrorController implements ErrorController {

    private final ApiErrorMapper mapper;
    private final ServletErrorResponses responses;

    public JsonErrorController(ApiErrorMapper mapper, ServletErrorResponses responses) {
        this.mapper = mapper;
        this.responses = responses;
    }

    @RequestMapping("${server.error.path:${error.path:/error}}")
    public ResponseEntity<Object> error(HttpServletRequest request) {
        Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        String path = uri != null ? uri.toString() : request.getRequestURI();
        Object exception = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        Object statusCode = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = statusCode instanceof Integer code ? code : 500;
        ApiError error = exception instanceof Throwable t
                ? mapper.map(t, request.getMethod(), path)
                : ApiError.of(status, reason(status), null);
        return responses.entity(error, path, request);
    }

    private static String reason(int status) {
        HttpStatus known = HttpStatus.resolve(status);
        return known != null ? known.getReasonPhrase() : "Request failed";
    }
}
