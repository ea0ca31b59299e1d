package dev.moeplatform.web.reactive;

import dev.moeplatform.web.errors.PayloadTooLargeException;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Refuses bodies over the limit: at once on {@code Content-Length}, otherwise when the streamed body crosses it, for
 * the gateway's proxied requests as much as for its own endpoints.
 */
public class RequestBodyLimitWebFilter implements WebFilter, Ordered {

    private final long limitBytes;

    public RequestBodyLimitWebFilter(long limitBytes) {
        this.limitBytes = limitBytes;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
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
