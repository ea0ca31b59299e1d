package dev.moeplatform.inference.completions;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.inference.ServingTest;
import dev.moeplatform.inference.scheduling.Scheduler;
import dev.moeplatform.inference.scheduling.Schedulers;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Server-sent events leave the server when they are written, not when a buffer fills or the answer ends (Spring
 * Framework 7 ignores flush() on a StreamingResponseBody unless {@code spring.http.response.flush.enabled} is set;
 * see src/main/resources/spring.properties).
 */
@ServingTest
class StreamFlushTest {

    @LocalServerPort
    int port;

    @Autowired
    Schedulers schedulers;

    @Test
    void aQueuedStreamGetsItsFirstEventBeforeAnyTokenIsGenerated() throws Exception {
        Scheduler scheduler = schedulers.forModel(ServingTest.MODEL).orElseThrow();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<String>>> blockers = new ArrayList<>();
        for (int i = 0; i < 4; i++) { // the tests' batch holds 4 sequences: fill it with long generations
            blockers.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                    + "/v1/completions")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + ServingTest.MODEL + "\",\"prompt\":[1],"
                            + "\"max_tokens\":250,\"logit_bias\":{\"" + ServingTest.EOS + "\":-100}}")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        long until = System.nanoTime() + 20_000_000_000L;
        while (scheduler.stats().runningSequences() < 4 && System.nanoTime() < until) {
            Thread.sleep(5);
        }

        String body = "{\"model\":\"" + ServingTest.MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                + "\"max_tokens\":3,\"stream\":true}";
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.getBytes(UTF_8).length + "\r\n\r\n" + body).getBytes(UTF_8));
            out.flush();
            String firstEvent = readUntil(socket.getInputStream(), "\n\n");

            assertThat(firstEvent).startsWith("HTTP/1.1 200").contains("data: {").contains("\"role\":\"assistant\"");
            assertThat(blockers).as("the first event came while the batch was still busy with the others")
                    .noneMatch(CompletableFuture::isDone);
            assertThat(scheduler.stats().queuedRequests()).as("the stream is still waiting for room").isEqualTo(1);
        }
        for (CompletableFuture<HttpResponse<String>> blocker : blockers) {
            assertThat(blocker.get().statusCode()).isEqualTo(200);
        }
    }

    /** Reads until the text after the response head contains {@code end}. */
    private static String readUntil(InputStream in, String end) throws Exception {
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                return read.toString(UTF_8);
            }
            read.write(b);
            String text = read.toString(UTF_8);
            int head = text.indexOf("\r\n\r\n");
            if (head >= 0 && text.indexOf(end, head + 4) >= 0) {
                return text;
            }
        }
    }
}
