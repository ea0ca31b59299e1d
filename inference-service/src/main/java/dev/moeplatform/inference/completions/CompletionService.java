package dev.moeplatform.inference.completions;

import dev.moeplatform.engine.Model;
import dev.moeplatform.engine.SamplingParams;
import dev.moeplatform.engine.tokenizer.ChatMessage;
import dev.moeplatform.engine.tokenizer.ChatTemplate;
import dev.moeplatform.inference.scheduling.Generation;
import dev.moeplatform.inference.scheduling.GenerationRequest;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.inference.models.ServedModel;
import dev.moeplatform.web.errors.ApiException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * The one path a chat or completion takes to the engine, whichever front end received it: the OpenAI endpoints
 * ({@link CompletionsController}) and the Spring AI {@code ChatModel} ({@code springai}). It resolves the model,
 * renders chat messages with the model's template, checks the context length, and submits the choices to the
 * model's scheduler; reading the events and shaping a response is the front end's business.
 */
@Component
public class CompletionService {

    private final NativeTarget.Resolver targets;

    CompletionService(NativeTarget.Resolver targets) {
        this.targets = targets;
    }

    /** @throws ApiException 404 for an unknown model, 503 for one the native engine does not compute */
    public NativeTarget target(String modelId) {
        ServedModel served = targets.served(modelId);
        return targets.find(served).orElseThrow(() -> new ApiException(new ApiError(503, "The model '" + modelId
                + "' is not computed by the native engine in this service.", "model", "backend_unavailable")));
    }

    /**
     * A chat rendered for one model.
     *
     * @param tokens the prompt, as the model's chat template renders the messages (generation prompt included)
     * @param maxTokens the completion's budget: as asked, or all the context the prompt leaves
     */
    public record ChatPrompt(int[] tokens, int maxTokens) {
    }

    /**
     * Renders the messages and checks them, with {@code maxTokens} (null: the rest of the context), against the
     * model's context length.
     *
     * @throws ApiException 400 {@code context_length_exceeded}, or {@code invalid_value} when the model has no chat
     *     template or the template refuses the messages
     */
    public ChatPrompt chatPrompt(NativeTarget target, List<ChatMessage> messages, Integer maxTokens) {
        int[] prompt = render(target.model(), messages);
        int context = target.served().contextLength();
        if (maxTokens == null && prompt.length >= context) {
            throw contextExceeded("messages", "This model's maximum context length is " + context + " tokens. "
                    + "However, your messages resulted in " + prompt.length + " tokens. Please reduce the length "
                    + "of the messages.");
        }
        int completion = maxTokens != null ? maxTokens : context - prompt.length;
        if (prompt.length + completion > context) {
            throw contextExceeded("messages", "This model's maximum context length is " + context + " tokens. "
                    + "However, you requested " + (prompt.length + completion) + " tokens (" + prompt.length
                    + " in the messages, " + completion + " in the completion). Please reduce the length of the "
                    + "messages or completion.");
        }
        return new ChatPrompt(prompt, completion);
    }

    /**
     * A request handed to the scheduler.
     *
     * @param generation its events, and the way to cancel it
     * @param choices how many choices it runs (prompts × sampling parameters)
     * @param promptTokens its usage's prompt tokens (each prompt counts once, however many choices it has)
     */
    public record Submission(Generation generation, int choices, int promptTokens) {
    }

    /**
     * Runs every prompt with every one of {@code perChoice} (choice order: prompt-major) on the model's scheduler.
     *
     * @param timeout null: the scheduler's own limit
     * @throws ApiException 429 {@code engine_overloaded} over the scheduler's limits, 400 for a request larger than
     *     they allow
     */
    public Submission submit(NativeTarget target, List<int[]> prompts, List<SamplingParams> perChoice, String tenant,
            Duration timeout) {
        List<GenerationRequest.Choice> choices = new ArrayList<>();
        for (int[] prompt : prompts) {
            for (SamplingParams params : perChoice) {
                choices.add(new GenerationRequest.Choice(prompt, params));
            }
        }
        Generation generation = target.scheduler().submit(new GenerationRequest(tenant, choices, timeout));
        int promptTokens = prompts.stream().mapToInt(p -> p.length).sum();
        return new Submission(generation, choices.size(), promptTokens);
    }

    static ApiException contextExceeded(String param, String message) {
        return new ApiException(new ApiError(400, message, param, "context_length_exceeded"));
    }

    private static int[] render(Model model, List<ChatMessage> messages) {
        ChatTemplate template = model.chatTemplate().orElseThrow(() -> RequestFields.invalid("model",
                "This model has no chat template; use /v1/completions with a prompt instead."));
        String text;
        try {
            text = template.render(messages, true);
        } catch (IllegalArgumentException e) {
            throw RequestFields.invalid("messages", "The model's chat template does not accept these messages: "
                    + e.getMessage());
        }
        int[] tokens = model.tokenizer().encode(text, true, true);
        int bos = model.tokenizer().bosId();
        // Templates often write the BOS token themselves; the tokenizer may add one too.
        if (tokens.length > 1 && bos >= 0 && tokens[0] == bos && tokens[1] == bos) {
            tokens = Arrays.copyOfRange(tokens, 1, tokens.length);
        }
        return tokens;
    }
}
