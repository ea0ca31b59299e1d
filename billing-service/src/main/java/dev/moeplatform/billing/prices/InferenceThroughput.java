package dev.moeplatform.billing.prices;

import dev.moeplatform.billing.BillingProperties;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * A self-hosted model's throughput as inference-service measured it: tokens the native engine processed (prompt and
 * generation) over the time it spent stepping batches, both read from its Prometheus endpoint. Idle time is not in
 * the denominator; the price formula's utilisation accounts for it.
 */
@Component
class InferenceThroughput {

    static final String TOKENS = "platform_inference_tokens_total";
    static final String BUSY = "platform_inference_engine_busy_seconds_total";
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** What was measured, kept on the price version as its throughput source. */
    record Measurement(BigDecimal tokensPerSecond, double tokens, double busySeconds, URI source, Instant at) {
        String describe() {
            return String.format(java.util.Locale.ROOT, "measured: %.0f tokens in %.3f s of engine time, %s at %s",
                    tokens, busySeconds, source, at);
        }
    }

    private final URI metrics;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    InferenceThroughput(BillingProperties properties) {
        this.metrics = properties.inferenceUrl().resolve("/actuator/prometheus");
    }

    Measurement measure(String model) {
        String scrape;
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw unavailable("answered " + response.statusCode());
            }
            scrape = response.body();
        } catch (IOException e) {
            throw unavailable("is not reachable (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("did not answer");
        }
        double tokens = sum(scrape, TOKENS, model);
        double busy = sum(scrape, BUSY, model);
        if (busy <= 0 || tokens <= 0) {
            throw new ApiException(new ApiError(409, "inference-service has no measured throughput for model '"
                    + model + "' on its native engine yet (no traffic since it started); send it traffic first or "
                    + "enter tokensPerSecond", "tokensPerSecond", "no_measurement"));
        }
        BigDecimal perSecond = BigDecimal.valueOf(tokens).divide(BigDecimal.valueOf(busy), 3, RoundingMode.HALF_EVEN);
        return new Measurement(perSecond, tokens, busy, metrics, Instant.now());
    }

    /** Sum of a metric's samples for the model on the native backend (prompt and generation for tokens). */
    static double sum(String scrape, String metric, String model) {
        double total = 0;
        for (String line : scrape.lines().toList()) {
            if (!line.startsWith(metric + "{")) {
                continue;
            }
            int close = line.lastIndexOf('}');
            Map<String, String> labels = new HashMap<>();
            Matcher m = LABEL.matcher(line.substring(metric.length() + 1, close));
            while (m.find()) {
                labels.put(m.group(1), m.group(2));
            }
            if (model.equals(labels.get("model")) && "native".equals(labels.get("backend"))) {
                total += Double.parseDouble(line.substring(close + 1).trim().split(" ")[0]);
            }
        }
        return total;
    }

    private ApiException unavailable(String why) {
        return new ApiException(ApiError.of(503, "cannot measure throughput: inference-service at " + metrics + " "
                + why, "upstream_unavailable"));
    }
}
