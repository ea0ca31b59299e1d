package dev.moeplatform.web.config;

import java.util.UUID;
import java.util.regex.Pattern;

/** Accepts a caller's request id only when it is short and plain, so that it is safe to log and to echo. */
public final class RequestIds {

    /** MDC key and request attribute under which the id is kept. */
    public static final String ATTRIBUTE = "requestId";

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private RequestIds() {
    }

    public static String acceptOrCreate(String fromHeader) {
        return fromHeader != null && SAFE.matcher(fromHeader).matches() ? fromHeader : UUID.randomUUID().toString();
    }
}
