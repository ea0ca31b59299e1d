package dev.moeplatform.inference.completions;

import dev.moeplatform.engine.TextStream;
import dev.moeplatform.engine.tokenizer.Tokenizer;
import dev.moeplatform.inference.scheduling.Generation;
import dev.moeplatform.inference.scheduling.GenerationEvent;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import dev.moeplatform.contracts.errors.OpenAiError;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns a running {@link Generation} into OpenAI's response: one JSON object, or server-sent events framed as
 * OpenAI frames them ({@code data: <chunk>\n\n} per chunk, then {@code data: [DONE]\n\n}). A failed write means the
 * client left: the generation is cancelled so its sequences leave the batch before the next step.
 */
final class Responder {

    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    // The scheduler ends every generation by its deadline; this only guards against waiting forever on a bug.

    /** What every response of one request shares. */
    record Envelope(String id, long created, String model, int promptTokens, int choices, boolean logprobs) {
    }

    private final JsonMapper json;
    private final OutputFormat format;
    private final Tokenizer tokenizer;
    private final Envelope envelope;

    Responder(JsonMapper json, OutputFormat format, Tokenizer tokenizer, Envelope envelope) {
        this.json = json;
        this.format = format;
        this.tokenizer = tokenizer;
        this.envelope = envelope;
    }

    /**
     * Waits for the whole generation and answers with one JSON object. Errors are thrown before anything is written,
     * so they keep their status; the body travels as a streaming body only so that one handler method can return
     * either kind of response.
     */
    ResponseEntity<StreamingResponseBody> whole(Generation generation) {
        StringBuilder[] texts = new StringBuilder[envelope.choices()];
        List<List<TokenLogprob>> logprobs = new ArrayList<>();
        TextStream.Finish[] finishes = new TextStream.Finish[envelope.choices()];
        for (int i = 0; i < envelope.choices(); i++) {
            texts[i] = new StringBuilder();
            logprobs.add(new ArrayList<>());
        }
        try {
            while (true) {
                GenerationEvent event = generation.awaitNext();
                switch (event) {
                    case null -> throw new ApiException(Generation.NO_ANSWER);
                    case GenerationEvent.Token token -> {
                        texts[token.choice()].append(token.text());
                        if (envelope.logprobs() && countsAsOutput(token)) {
                            logprobs.get(token.choice()).add(TokenLogprob.of(token.token(), tokenizer));
                        }
                        if (token.finish() != null) {
                            finishes[token.choice()] = token.finish();
                        }
                    }
                    case GenerationEvent.Failed failed -> throw new ApiException(failed.error());
                    case GenerationEvent.Completed completed -> {
                        ObjectNode response = head(format.object());
                        ArrayNode choices = response.putArray("choices");
                        for (int i = 0; i < envelope.choices(); i++) {
                            choices.add(format.choice(i, texts[i].toString(),
                                    envelope.logprobs() ? logprobs.get(i) : null, finishes[i]));
                        }
                        response.set("usage", usage(completed.completionTokens()));
                        byte[] body = json.writeValueAsBytes(response);
                        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON)
                                .contentLength(body.length)
                                .header(NativeTarget.BACKEND_HEADER, "native")
                                .body(out -> out.write(body));
                    }
                }
            }
        } catch (InterruptedException e) {
            generation.cancel();
            Thread.currentThread().interrupt();
            throw new ApiException(new ApiError(503, "The server is shutting down.", null, "backend_unavailable"));
        }
    }

    /** Streams the generation as server-sent events. */
    ResponseEntity<StreamingResponseBody> streamed(Generation generation, boolean includeUsage) {
        StreamingResponseBody body = FlushingStreams.body(out -> {
            try {
                stream(generation, includeUsage, out);
            } catch (IOException clientGone) {
                generation.cancel();
            } catch (InterruptedException e) {
                generation.cancel();
                Thread.currentThread().interrupt();
            }
        });
        return ResponseEntity.ok()
                .contentType(MediaType.TEXT_EVENT_STREAM)
                .cacheControl(CacheControl.noCache())
                .header(NativeTarget.BACKEND_HEADER, "native")
                // Known before the first token: lets the gateway meter the prompt of a stream the client abandons.
                .header(NativeTarget.PROMPT_TOKENS_HEADER, Integer.toString(envelope.promptTokens()))
                .body(body);
    }

    private void stream(Generation generation, boolean includeUsage, OutputStream out)
            throws IOException, InterruptedException {
        for (ObjectNode choice : format.openingChoices(envelope.choices())) {
            write(out, chunk(choice, includeUsage));
        }
        out.flush();
        while (true) {
            GenerationEvent event = generation.awaitNext();
            switch (event) {
                case null -> {
                    writeError(out, Generation.NO_ANSWER);
                    return;
                }
                case GenerationEvent.Token token -> {
                    List<TokenLogprob> logprobs = envelope.logprobs() && countsAsOutput(token)
                            ? List.of(TokenLogprob.of(token.token(), tokenizer)) : null;
                    if (!token.text().isEmpty() || logprobs != null) {
                        write(out, chunk(format.chunkChoice(token.choice(), token.text(), logprobs, null),
                                includeUsage));
                    }
                    if (token.finish() != null) {
                        write(out, chunk(format.chunkChoice(token.choice(), "", null, token.finish()), includeUsage));
                    }
                    out.flush();
                }
                case GenerationEvent.Failed failed -> {
                    writeError(out, failed.error());
                    return;
                }
                case GenerationEvent.Completed completed -> {
                    if (includeUsage) {
                        ObjectNode last = head(format.chunkObject());
                        last.putArray("choices");
                        last.set("usage", usage(completed.completionTokens()));
                        write(out, last);
                    }
                    out.write(DONE);
                    out.flush();
                    return;
                }
            }
        }
    }

    /** A token that ended its choice with a stop (end-of-sequence, stop string) and no text is not output. */
    private static boolean countsAsOutput(GenerationEvent.Token token) {
        return !(token.finish() == TextStream.Finish.STOP && token.text().isEmpty());
    }

    private ObjectNode head(String object) {
        ObjectNode node = json.createObjectNode();
        node.put("id", envelope.id());
        node.put("object", object);
        node.put("created", envelope.created());
        node.put("model", envelope.model());
        node.putNull("system_fingerprint");
        return node;
    }

    private ObjectNode chunk(ObjectNode choice, boolean includeUsage) {
        ObjectNode chunk = head(format.chunkObject());
        chunk.putArray("choices").add(choice);
        if (includeUsage) {
            chunk.putNull("usage");
        }
        return chunk;
    }

    private ObjectNode usage(int completionTokens) {
        ObjectNode usage = json.createObjectNode();
        usage.put("prompt_tokens", envelope.promptTokens());
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", envelope.promptTokens() + completionTokens);
        return usage;
    }

    private void write(OutputStream out, ObjectNode node) throws IOException {
        out.write(DATA);
        out.write(json.writeValueAsBytes(node));
        out.write(END);
    }

    /** Mid-stream the status is already sent: the error goes in an event, as OpenAI's streams carry it. */
    private void writeError(OutputStream out, ApiError error) throws IOException {
        out.write(DATA);
        out.write(json.writeValueAsBytes(OpenAiError.of(error.status(), error.message(), error.param(), error.code())));
        out.write(END);
        out.flush();
    }
}
