package dev.moeplatform.web.reactive;

import dev.moeplatform.web.config.RequestIds;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiErrorMapper;
import dev.moeplatform.web.errors.ErrorBodies;
import dev.moeplatform.web.errors.ErrorShape;
import dev.moeplatform.web.errors.ErrorShapeResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.webflux.error.ErrorWebExceptionHandler;
import org.springframework.core.annotation.Order;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every error of a WebFlux service, in the shape its path calls for. Ordered before Boot's default handler (-1),
 * which would otherwise answer browsers with an HTML page.
 */
@Order(-2)
public class ApiErrorWebExceptionHandler implements ErrorWebExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiErrorWebExceptionHandler.class);

    private final ApiErrorMapper mapper;
    private final ErrorShapeResolver shapes;
    private final JsonMapper json;

    public ApiErrorWebExceptionHandler(ApiErrorMapper mapper, ErrorShapeResolver shapes, JsonMapper json) {
        this.mapper = mapper;
        this.shapes = shapes;
        this.json = json;
    }

    /** Writes an error decided by the caller, for filters that reject a request themselves. */
    public Mono<Void> write(ServerWebExchange exchange, ApiError error) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return response.setComplete();
        }
        String path = exchange.getRequest().getPath().value();
        ErrorShape shape = shapes.shapeFor(path);
        Object requestId = exchange.getAttribute(RequestIds.ATTRIBUTE);
        byte[] body = json.writeValueAsBytes(
                ErrorBodies.body(error, shape, path, requestId == null ? null : requestId.toString()));
        response.setRawStatusCode(error.status());
        response.getHeaders().setContentType(ErrorBodies.mediaType(shape));
        response.getHeaders().setContentLength(body.length);
        return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        if (exchange.getResponse().isCommitted()) {
            return Mono.error(ex);
        }
        ServerHttpRequest request = exchange.getRequest();
        ApiError error = mapper.map(ex, request.getMethod().name(), request.getPath().value());
        if (error.status() >= 500) {
            log.error("Request {} {} failed", request.getMethod(), request.getPath(), ex);
        }
        return write(exchange, error);
    }
}
