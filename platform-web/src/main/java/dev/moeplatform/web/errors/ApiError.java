package dev.moeplatform.web.errors;

/**
 * One client-facing error, independent of how it is rendered (OpenAI error object or RFC 9457 problem).
 *
 * @param status the HTTP status
 * @param message what went wrong, phrased for the API caller; never contains secrets or request content
 * @param param the request field at fault, if one is (OpenAI's {@code param}), else null
 * @param code a stable machine-readable code (OpenAI's {@code code}, a problem's {@code code} member), or null
 */
public record ApiError(int status, String message, String param, String code) {

    public static ApiError of(int status, String message, String code) {
        return new ApiError(status, message, null, code);
    }
}
