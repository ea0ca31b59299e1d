package dev.moeplatform.web.errors;

/** The two error body formats of the platform's public contract. */
public enum ErrorShape {
    /** OpenAI's {@code {"error": {...}}}, on the OpenAI-compatible model endpoints. */
    OPENAI,
    /** RFC 9457 {@code application/problem+json}, on every other endpoint. */
    PROBLEM
}
