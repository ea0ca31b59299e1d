package dev.moeplatform.web.errors;

import java.io.IOException;

/**
 * Thrown while a request body is being read once it passes the configured limit. An {@link IOException} so that it
 * travels through message converters and decoders like any other read failure; {@link ApiErrorMapper} finds it in
 * the cause chain.
 */
public class PayloadTooLargeException extends IOException {

    private final long limitBytes;

    public PayloadTooLargeException(long limitBytes) {
        super("Request body exceeds the limit of " + limitBytes + " bytes");
        this.limitBytes = limitBytes;
    }

    public long limitBytes() {
        return limitBytes;
    }

    public ApiError toApiError() {
        return ApiError.of(413, getMessage() + ".", "payload_too_large");
    }
}
