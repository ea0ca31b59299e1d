package dev.moeplatform.inference.vllm;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Reads server-sent events as the WHATWG spec frames them and returns each event's data: lines starting with
 * {@code :} are comments, {@code data:} lines of one event are joined with a newline, a blank line ends the event,
 * other fields ({@code event}, {@code id}, {@code retry}) are ignored. An event cut off by the end of the stream is
 * dropped, as the spec says.
 */
final class SseReader implements Closeable {

    private final InputStream in;
    private final BufferedReader lines;

    SseReader(InputStream in) {
        this.in = in;
        this.lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    /** The next event's data, or null at the end of the stream. */
    String next() throws IOException {
        StringBuilder data = null;
        String line;
        while ((line = lines.readLine()) != null) {
            if (line.isEmpty()) {
                if (data != null) {
                    return data.toString();
                }
                continue;
            }
            if (line.startsWith(":")) {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            if (field.equals("data")) {
                data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            }
        }
        return null;
    }

    /** Closes the underlying stream; for an HTTP response this cancels the exchange, so vLLM stops generating. */
    @Override
    public void close() throws IOException {
        in.close();
    }
}
