package dev.moeplatform.inference.vllm;

import dev.moeplatform.inference.models.Backend;
import dev.moeplatform.inference.models.ServedModel;
import dev.moeplatform.inference.scheduling.EngineOverloadedException;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;
import tools.jackson.databind.JsonNode;

/**
 * Picks the backend that serves a request: the model's backends in their configured order, moving on to the next
 * while nothing has reached the client yet and the current one cannot serve: native not loaded, native overloaded
 * (429), a backend failing before its first token (5xx, unreachable), or its circuit breaker open. Errors the
 * request caused (4xx) and a request's own time limit end the search. If no backend serves, the last one's error
 * is the answer (a 429 keeps its {@code Retry-After}).
 *
 * <p>The answer names the backend that served in {@code x-platform-backend}, and after a fallback the reason the
 * previous one could not in {@code x-platform-fallback} (e.g. {@code native-overloaded}); {@link FallbackEvents}
 * counts them.
 */
@Component
public class BackendRouter {

    public static final String FALLBACK_HEADER = "x-platform-fallback";

    private static final Logger log = LoggerFactory.getLogger(BackendRouter.class);

    /** The native engine's part of a request, supplied by the controller that knows how to run it. */
    @FunctionalInterface
    public interface NativeCall {

        /**
         * Runs the request on the native engine and returns its response, throwing instead as long as nothing has
         * been sent to the client.
         *
         * @param fallbackFollows another backend would take over a failure: a stream should not start before its
         *     first token (or its failure) is known
         */
        ResponseEntity<StreamingResponseBody> call(boolean fallbackFollows);
    }

    private final VllmClient vllm;
    private final BackendBreakers breakers;
    private final FallbackEvents fallbacks;

    public BackendRouter(VllmClient vllm, BackendBreakers breakers, FallbackEvents fallbacks) {
        this.vllm = vllm;
        this.breakers = breakers;
        this.fallbacks = fallbacks;
    }

    /**
     * @param body the request as the client sent it (a JSON object); forwarded to vLLM
     * @param nativeCall how the native engine serves it; null when the model is not loaded natively
     */
    public ResponseEntity<StreamingResponseBody> route(ServedModel model, VllmEndpoint endpoint, JsonNode body,
            NativeCall nativeCall) {
        List<Backend> order = model.backends();
        Unavailable last = null;
        for (int i = 0; i < order.size(); i++) {
            Backend backend = order.get(i);
            boolean fallbackFollows = i + 1 < order.size();
            try {
                ResponseEntity<StreamingResponseBody> response = switch (backend) {
                    case NATIVE -> callNative(model, nativeCall, fallbackFollows);
                    case VLLM -> callVllm(model, endpoint, body);
                };
                if (last != null) {
                    fallbacks.record(model.id(), last.backend, backend, last.reason);
                    log.info("Model '{}' served by {} after {}: {}", model.id(), backend.wireName(), last.reason,
                            last.error.getMessage());
                    response = ResponseEntity.status(response.getStatusCode()).headers(response.getHeaders())
                            .header(FALLBACK_HEADER, last.reason).body(response.getBody());
                }
                return response;
            } catch (Unavailable unavailable) {
                last = unavailable;
            }
        }
        if (last == null) {
            throw new IllegalStateException("model '" + model.id() + "' has no backends");
        }
        throw last.error;
    }

    private ResponseEntity<StreamingResponseBody> callNative(ServedModel model, NativeCall nativeCall,
            boolean fallbackFollows) {
        if (nativeCall == null) {
            throw new Unavailable(Backend.NATIVE, "native-not-loaded", unavailable("The model '" + model.id()
                    + "' is not loaded by the native engine."));
        }
        CircuitBreaker breaker = breakers.forNative(model.id());
        if (!breaker.tryAcquirePermission()) {
            throw new Unavailable(Backend.NATIVE, "native-circuit-open", unavailable("The native engine of model '"
                    + model.id() + "' has been failing; it is paused for now (circuit breaker open)."));
        }
        long start = System.nanoTime();
        try {
            ResponseEntity<StreamingResponseBody> response = nativeCall.call(fallbackFollows);
            breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            return response;
        } catch (RuntimeException e) {
            breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e); // ignores what the request caused
            if (e instanceof EngineOverloadedException overloaded) {
                throw new Unavailable(Backend.NATIVE, "native-overloaded", overloaded);
            }
            if (e instanceof ApiException api && api.error().status() >= 500
                    && !"request_timeout".equals(api.error().code())) {
                throw new Unavailable(Backend.NATIVE, "native-failed", api);
            }
            throw e;
        }
    }

    private ResponseEntity<StreamingResponseBody> callVllm(ServedModel model, VllmEndpoint endpoint, JsonNode body) {
        Optional<VllmTarget> target = vllm.target(model.id());
        if (target.isEmpty()) {
            throw new Unavailable(Backend.VLLM, "vllm-not-configured", unavailable("The model '" + model.id()
                    + "' is configured for the vllm backend, but no vLLM server is configured for it "
                    + "(platform.inference.vllm.base-url)."));
        }
        CircuitBreaker breaker = breakers.forVllm(target.get().baseUrl().toString());
        if (!breaker.tryAcquirePermission()) {
            throw new Unavailable(Backend.VLLM, "vllm-circuit-open", unavailable("The vLLM server for model '"
                    + model.id() + "' has been failing; it is paused for now (circuit breaker open)."));
        }
        long start = System.nanoTime();
        try {
            ResponseEntity<StreamingResponseBody> response = vllm.forward(target.get(), endpoint, body);
            breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            return response;
        } catch (RuntimeException e) {
            breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e); // ignores what the request caused
            if (e instanceof BackendFailure failure) {
                throw new Unavailable(Backend.VLLM, "vllm-" + failure.reason(), failure);
            }
            throw e;
        }
    }

    private static ApiException unavailable(String message) {
        return new ApiException(new ApiError(503, message, "model", "backend_unavailable"));
    }

    /** A backend that cannot serve this request, why, and the error it would answer with. */
    private static final class Unavailable extends RuntimeException {

        final Backend backend;
        final String reason;
        final ApiException error;

        Unavailable(Backend backend, String reason, ApiException error) {
            super(reason, null, false, false);
            this.backend = backend;
            this.reason = reason;
            this.error = error;
        }
    }
}
