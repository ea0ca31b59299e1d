package dev.moeplatform.web.reactive;

import dev.moeplatform.web.errors.PayloadTooLargeException;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Refuses bodies over the limit: at once on {@code Content-Length}, otherwise when the streamed body crosses it, for
 * the gateway's proxied requests as much as for its own endpoints.
 */
public class RequestBodyLimitWebFilter implements WebFilter, Ordered {

    private final long defaultLimitBytes;
    private final List<PathPattern> uploadPaths;
    private final long uploadLimitBytes;

    public RequestBodyLimitWebFilter(long limitBytes) {
        this(limitBytes, List.of(), limitBytes);
    }

    /** {@code uploadPaths} (path patterns) get {@code uploadLimitBytes}, every other path {@code limitBytes}. */
    public RequestBodyLimitWebFilter(long limitBytes, List<String> uploadPaths, long uploadLimitBytes) {
        this.defaultLimitBytes = limitBytes;
        this.uploadPaths = uploadPaths.stream().map(PathPatternParser.defaultInstance::parse).toList();
        this.uploadLimitBytes = uploadLimitBytes;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        PathContainer path = exchange.getRequest().getPath().pathWithinApplication();
        long limitBytes = uploadPaths.stream().anyMatch(p -> p.matches(path)) ? uploadLimitBytes : defaultLimitBytes;
        if (exchange.getRequest().getHeaders().getContentLength() > limitBytes) {
            return Mono.error(new PayloadTooLargeException(limitBytes));
        }
        ServerHttpRequestDecorator limited = new ServerHttpRequestDecorator(exchange.getRequest()) {
            @Override
            public Flux<DataBuffer> getBody() {
                AtomicLong seen = new AtomicLong();
                return super.getBody().handle((buffer, sink) -> {
                    if (seen.addAndGet(buffer.readableByteCount()) > limitBytes) {
                        DataBufferUtils.release(buffer);
                        sink.error(new PayloadTooLargeException(limitBytes));
                    } else {
                        sink.next(buffer);
                    }
                });
            }
        };
        return chain.filter(exchange.mutate().request(limited).build());
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 1;
    }
}
