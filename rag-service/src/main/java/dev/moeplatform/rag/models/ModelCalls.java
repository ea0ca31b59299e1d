package dev.moeplatform.rag.models;

import dev.moeplatform.rag.RagProperties;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import java.net.http.HttpClient;
import java.util.function.Supplier;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;
import org.springframework.web.client.RestClientResponseException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a failed model call becomes for our caller: the gateway's refusals keep their status (429 for limits and
 * budgets, 403 for a model the key may not use, 400/404 for a bad model name) with the gateway's own message;
 * anything else is a 502 naming the call.
 */
@Component
public class ModelCalls {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final RagProperties properties;

    ModelCalls(RagProperties properties) {
        this.properties = properties;
    }

    RestClient client(String baseUrl) {
        JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(HttpClient.newBuilder()
                .connectTimeout(java.time.Duration.ofSeconds(5)).build());
        factory.setReadTimeout(properties.modelTimeout());
        return RestClient.builder().baseUrl(baseUrl).requestFactory(factory).build();
    }

    static <T> T send(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (RestClientResponseException e) {
            throw refused(what, e.getStatusCode().value(), e.getResponseBodyAsString());
        } catch (RestClientException e) {
            throw badGateway(what, e.getMostSpecificCause().getMessage());
        }
    }

    /** The gateway's (or the model server's) error for one call, as this service's error. */
    public static ApiException refused(String what, int status, String body) {
        String message = messageOf(body);
        if (status == 429 || status == 403 || status == 400 || status == 404 || status == 413) {
            String code = status == 429 ? "model_call_refused" : "model_call_invalid";
            return new ApiException(new ApiError(status, "The gateway refused the " + what + " call: " + message,
                    "model", code));
        }
        return badGateway(what, "status " + status + ": " + message);
    }

    public static ApiException badGateway(String what, String detail) {
        return new ApiException(ApiError.of(502, "The " + what + " call through the gateway failed: " + detail,
                "model_call_failed"));
    }

    /** OpenAI's {@code error.message} or a problem's {@code detail}; the raw body (cut short) otherwise. */
    private static String messageOf(String body) {
        try {
            JsonNode json = JSON.readTree(body);
            if (json.path("error").path("message").isString()) {
                return json.path("error").path("message").asString();
            }
            if (json.path("detail").isString()) {
                return json.path("detail").asString();
            }
        } catch (RuntimeException notJson) {
            // fall through to the raw text
        }
        return body == null || body.isBlank() ? "(no message)" : body.substring(0, Math.min(300, body.length()));
    }
}
