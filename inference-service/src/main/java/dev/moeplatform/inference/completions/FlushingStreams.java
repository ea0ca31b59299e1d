package dev.moeplatform.inference.completions;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * Response bodies whose {@code flush()} reaches the client, for server-sent events. Spring Framework 7 hands a
 * {@link StreamingResponseBody} a stream whose {@code flush()} does nothing until the body ends, which would hold
 * every token in the container's buffer; these write to the servlet's own stream, captured on the request thread.
 */
public final class FlushingStreams {

    /** Writes a streamed body; each {@code flush()} sends what was written so far. */
    @FunctionalInterface
    public interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }

    private FlushingStreams() {
    }

    /** Call on the request thread (where the servlet response is known), not inside the returned body. */
    public static StreamingResponseBody body(Writer writer) {
        HttpServletResponse servlet = RequestContextHolder.getRequestAttributes()
                instanceof ServletRequestAttributes attributes ? attributes.getResponse() : null;
        return out -> writer.writeTo(servlet != null ? servlet.getOutputStream() : out);
    }
}
