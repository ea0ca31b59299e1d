package dev.moeplatform.gateway.limits;

import org.springframework.http.HttpHeaders;

/**
 * OpenAI's rate-limit headers: {@code x-ratelimit-limit|remaining|reset-requests} and {@code -tokens} (reset as a
 * duration such as {@code 1s}, {@code 6m0s} or {@code 20ms}), and {@code Retry-After} in whole seconds on a 429.
 */
public final class RateLimitHeaders {

    private RateLimitHeaders() {
    }

    public static void write(HttpHeaders headers, RateLimits.Decision decision) {
        bucket(headers, decision.requests(), "requests");
        bucket(headers, decision.tokens(), "tokens");
        if (!decision.allowed()) {
            headers.set(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, (decision.retryAfterMs() + 999) / 1000)));
        }
    }

    private static void bucket(HttpHeaders headers, RateLimits.Bucket bucket, String kind) {
        if (bucket == null) {
            return;
        }
        headers.set("x-ratelimit-limit-" + kind, Long.toString(bucket.limit()));
        headers.set("x-ratelimit-remaining-" + kind, Long.toString(bucket.remaining()));
        headers.set("x-ratelimit-reset-" + kind, duration(bucket.resetMs()));
    }

    static String duration(long ms) {
        if (ms < 1000) {
            return Math.max(0, ms) + "ms";
        }
        long minutes = ms / 60_000;
        double seconds = (ms % 60_000) / 1000.0;
        String s = seconds == Math.floor(seconds) ? Long.toString((long) seconds) : String.format(java.util.Locale.ROOT,
                "%.3f", seconds).replaceAll("0+$", "");
        return minutes > 0 ? minutes + "m" + s + "s" : s + "s";
    }
}
