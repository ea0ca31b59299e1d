package dev.moeplatform.inference.springai;

import dev.moeplatform.engine.SamplingParams;
import dev.moeplatform.engine.TextStream;
import dev.moeplatform.engine.tokenizer.ChatMessage;
import dev.moeplatform.inference.completions.CompletionService;
import dev.moeplatform.inference.completions.NativeTarget;
import dev.moeplatform.inference.scheduling.GenerationEvent;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * The native engine as a Spring AI {@link ChatModel} (and so a {@code StreamingChatModel}), for a Spring application
 * that embeds this service. A prompt takes exactly the path of {@code POST /v1/chat/completions}: the same
 * {@link CompletionService} renders it with the model's chat template, checks the context and submits it to the
 * model's scheduler (batched with HTTP requests, under the same limits and metrics); the same seed, messages and
 * options give the same text and usage as the HTTP API.
 *
 * <p>Metadata: the response's {@code id} ({@code chatcmpl-...}), {@code model}, {@link DefaultUsage} (prompt and
 * completion tokens) and {@code backend=native}; each generation's finish reason as the HTTP API spells it
 * ({@code stop}, {@code length}). A stream emits one response per piece of text and ends with one that has empty
 * text, the finish reason and the usage.
 *
 * <p>Errors are the HTTP API's, as {@link ApiException} (its {@code error().status()} says which: 404 unknown model,
 * 400 context exceeded, 429 overloaded, 504 timed out); messages this engine cannot take (tool messages, media)
 * are an {@link IllegalArgumentException}.
 */
public class NativeChatModel implements ChatModel {

    /** The scheduler ends every generation by its deadline; this only guards against waiting forever on a bug. */

    private final CompletionService completions;
    private final NativeChatOptions defaults;

    /** @param defaults options a prompt's own options override field by field; its model is the default model */
    public NativeChatModel(CompletionService completions, NativeChatOptions defaults) {
        this.completions = completions;
        this.defaults = defaults;
    }

    /** This model's defaults; ChatClient starts from these and merges a request's options into them. */
    @Override
    public ChatOptions getOptions() {
        return defaults.mutate().build();
    }

    @Override
    public ChatOptions getDefaultOptions() {
        return getOptions();
    }

    @Override
    public ChatResponse call(Prompt prompt) {
        Request request = submit(prompt);
        StringBuilder text = new StringBuilder();
        TextStream.Finish finish = null;
        var generation = request.submission().generation();
        try {
            while (true) {
                GenerationEvent event = generation.awaitNext();
                switch (event) {
                    case null -> throw new ApiException(dev.moeplatform.inference.scheduling.Generation.NO_ANSWER);
                    case GenerationEvent.Token token -> {
                        text.append(token.text());
                        if (token.finish() != null) {
                            finish = token.finish();
                        }
                    }
                    case GenerationEvent.Failed failed -> throw new ApiException(failed.error());
                    case GenerationEvent.Completed completed -> {
                        return request.response(text.toString(), finish, completed.completionTokens());
                    }
                }
            }
        } catch (InterruptedException e) {
            generation.cancel();
            Thread.currentThread().interrupt();
            throw new ApiException(new ApiError(503, "Interrupted while waiting for the engine.", null,
                    "backend_unavailable"));
        }
    }

    /**
     * Streams the answer. The request is submitted when the Flux is subscribed (refusals such as 429 arrive as its
     * error); its events are read on a virtual thread; cancelling the subscription takes the request out of the
     * batch before the next engine step.
     */
    @Override
    public Flux<ChatResponse> stream(Prompt prompt) {
        return Flux.create(sink -> {
            Request request;
            try {
                request = submit(prompt);
            } catch (RuntimeException e) {
                sink.error(e);
                return;
            }
            sink.onCancel(request.submission().generation()::cancel);
            Thread.ofVirtual().name("spring-ai-stream").start(() -> pump(request, sink));
        }, FluxSink.OverflowStrategy.BUFFER);
    }

    private static void pump(Request request, FluxSink<ChatResponse> sink) {
        var generation = request.submission().generation();
        TextStream.Finish finish = null;
        try {
            while (!sink.isCancelled()) {
                GenerationEvent event = generation.awaitNext();
                switch (event) {
                    case null -> {
                        sink.error(new ApiException(dev.moeplatform.inference.scheduling.Generation.NO_ANSWER));
                        return;
                    }
                    case GenerationEvent.Token token -> {
                        if (!token.text().isEmpty()) {
                            sink.next(request.chunk(token.text()));
                        }
                        if (token.finish() != null) {
                            finish = token.finish();
                        }
                    }
                    case GenerationEvent.Failed failed -> {
                        sink.error(new ApiException(failed.error()));
                        return;
                    }
                    case GenerationEvent.Completed completed -> {
                        sink.next(request.response("", finish, completed.completionTokens()));
                        sink.complete();
                        return;
                    }
                }
            }
        } catch (InterruptedException e) {
            generation.cancel();
            sink.error(e);
        } catch (RuntimeException e) {
            generation.cancel();
            sink.error(e);
        }
    }

    // ---- the shared path -------------------------------------------------------------------------------------

    private Request submit(Prompt prompt) {
        NativeChatOptions options = defaults.mergedWith(prompt.getOptions());
        if (options.getModel() == null) {
            throw new IllegalArgumentException("No model: set one in the prompt's options or in "
                    + "platform.inference.spring-ai.model.");
        }
        NativeTarget target = completions.target(options.getModel());
        CompletionService.ChatPrompt chat = completions.chatPrompt(target, messages(prompt.getInstructions()),
                options.getMaxTokens());
        SamplingParams params = sampling(options).maxTokens(chat.maxTokens()).build();
        CompletionService.Submission submission = completions.submit(target, List.of(chat.tokens()),
                List.of(params), options.getUser() == null || options.getUser().isBlank() ? "anonymous"
                        : options.getUser(), null);
        return new Request("chatcmpl-" + newId(), target.served().id(), submission);
    }

    /** The options as the HTTP API reads the same fields; unset ones keep the engine's defaults. */
    private static SamplingParams.Builder sampling(NativeChatOptions options) {
        SamplingParams.Builder sampling = SamplingParams.builder();
        if (options.getTemperature() != null) {
            sampling.temperature(options.getTemperature().floatValue());
        }
        if (options.getTopP() != null) {
            // top_p 0 means "only the most likely token", as in the HTTP API; the engine wants p > 0.
            sampling.topP((float) Math.max(options.getTopP(), 1e-9));
        }
        if (options.getTopK() != null) {
            sampling.topK(options.getTopK());
        }
        if (options.getPresencePenalty() != null) {
            sampling.presencePenalty(options.getPresencePenalty().floatValue());
        }
        if (options.getFrequencyPenalty() != null) {
            sampling.frequencyPenalty(options.getFrequencyPenalty().floatValue());
        }
        sampling.stopStrings(options.getStopSequences() == null ? List.of() : options.getStopSequences());
        sampling.seed(options.getSeed());
        if (options.getLogitBias() != null) {
            sampling.logitBias(options.getLogitBias());
        }
        return sampling;
    }

    private static List<ChatMessage> messages(List<Message> instructions) {
        if (instructions.isEmpty()) {
            throw new IllegalArgumentException("A prompt needs at least one message.");
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (Message message : instructions) {
            String role = switch (message.getMessageType()) {
                case SYSTEM -> "system";
                case USER -> "user";
                case ASSISTANT -> "assistant";
                case TOOL -> throw new IllegalArgumentException("Tool messages are not supported yet.");
            };
            if (message instanceof UserMessage user && !user.getMedia().isEmpty()) {
                throw new IllegalArgumentException("Only text is supported, not media.");
            }
            if (message instanceof AssistantMessage assistant && assistant.hasToolCalls()) {
                throw new IllegalArgumentException("Tool calls are not supported yet.");
            }
            messages.add(new ChatMessage(role, message.getText() == null ? "" : message.getText()));
        }
        return messages;
    }

    private static String newId() {
        byte[] bytes = new byte[12];
        ThreadLocalRandom.current().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** One submitted prompt and what its responses share. */
    private record Request(String id, String model, CompletionService.Submission submission) {

        ChatResponse chunk(String text) {
            return new ChatResponse(List.of(new Generation(new AssistantMessage(text))),
                    ChatResponseMetadata.builder().id(id).model(model).build());
        }

        ChatResponse response(String text, TextStream.Finish finish, int completionTokens) {
            String reason = finish == null ? null : finish == TextStream.Finish.STOP ? "stop" : "length";
            Generation generation = new Generation(new AssistantMessage(text),
                    ChatGenerationMetadata.builder().finishReason(reason).build());
            int prompt = submission.promptTokens();
            return new ChatResponse(List.of(generation), ChatResponseMetadata.builder().id(id).model(model)
                    .usage(new DefaultUsage(prompt, completionTokens, prompt + completionTokens))
                    .keyValue("backend", "native").build());
        }
    }
}
