package dev.moeplatform.inference.completions;

import dev.moeplatform.engine.Model;
import dev.moeplatform.engine.SamplingParams;
import dev.moeplatform.engine.tokenizer.ChatMessage;
import dev.moeplatform.inference.models.ServedModel;
import dev.moeplatform.inference.scheduling.Generation;
import dev.moeplatform.inference.scheduling.GenerationEvent;
import dev.moeplatform.inference.vllm.BackendRouter;
import dev.moeplatform.inference.vllm.VllmEndpoint;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * OpenAI's {@code POST /v1/chat/completions} and {@code POST /v1/completions}, field for field, over the native
 * engine's scheduler, or forwarded to vLLM where {@link BackendRouter} picks that backend. The body is read as a JSON tree so that every wrong type or value is answered with a 400
 * naming the field, as OpenAI does, and unknown fields are ignored.
 */
@RestController
@Tag(name = "Completions")
public class CompletionsController {

    private static final String TIMEOUT_HEADER = "x-platform-timeout-ms";
    private static final int DEFAULT_COMPLETION_MAX_TOKENS = 16; // OpenAI's default for /v1/completions

    private final NativeTarget.Resolver targets;
    private final CompletionService completions;
    private final BackendRouter router;
    private final JsonMapper json;
    private final Clock clock;

    public CompletionsController(NativeTarget.Resolver targets, CompletionService completions, BackendRouter router,
            JsonMapper json, Clock clock) {
        this.targets = targets;
        this.completions = completions;
        this.router = router;
        this.json = json;
        this.clock = clock;
    }

    @PostMapping("/v1/chat/completions")
    @Operation(summary = "Create a chat completion (OpenAI-compatible; stream with \"stream\": true)")
    public ResponseEntity<StreamingResponseBody> chat(@RequestBody JsonNode body,
            @RequestHeader(name = TIMEOUT_HEADER, required = false) Long timeoutMillis) {
        RequestFields fields = RequestFields.of(body);
        ServedModel served = targets.served(fields.requiredString("model"));
        return router.route(served, VllmEndpoint.CHAT, body, targets.find(served).<BackendRouter.NativeCall>map(
                target -> fallbackFollows -> nativeChat(fields, target, timeoutMillis, fallbackFollows)).orElse(null));
    }

    private ResponseEntity<StreamingResponseBody> nativeChat(RequestFields fields, NativeTarget target,
            Long timeoutMillis, boolean fallbackFollows) {
        Model model = target.model();
        List<ChatMessage> messages = messages(fields);
        SamplingParams.ResponseFormat responseFormat = ResponseFormats.read(fields);
        rejectUnsupportedChatFields(fields);
        SamplingFields sampling = SamplingFields.read(fields, model.info().vocabSize());
        sampling.sampling().responseFormat(responseFormat);
        boolean logprobs = fields.bool("logprobs", false);
        int topLogprobs = fields.integer("top_logprobs", 0, 20).orElse(0);
        if (topLogprobs > 0 && !logprobs) {
            throw RequestFields.invalid("top_logprobs", "'top_logprobs' requires 'logprobs' to be true.");
        }
        Integer maxTokens = fields.integer("max_completion_tokens", 1, Integer.MAX_VALUE).isPresent()
                ? Integer.valueOf(fields.integer("max_completion_tokens", 1, Integer.MAX_VALUE).getAsInt())
                : fields.integer("max_tokens", 1, Integer.MAX_VALUE).isPresent()
                        ? Integer.valueOf(fields.integer("max_tokens", 1, Integer.MAX_VALUE).getAsInt()) : null;

        CompletionService.ChatPrompt prompt = completions.chatPrompt(target, messages, maxTokens);
        return run(target, List.of(prompt.tokens()), sampling, prompt.maxTokens(), logprobs ? topLogprobs : 0,
                logprobs, new ChatFormat(json, logprobs), timeoutMillis, fallbackFollows);
    }

    @PostMapping("/v1/completions")
    @Operation(summary = "Create a completion (OpenAI-compatible legacy API; stream with \"stream\": true)")
    public ResponseEntity<StreamingResponseBody> completion(@RequestBody JsonNode body,
            @RequestHeader(name = TIMEOUT_HEADER, required = false) Long timeoutMillis) {
        RequestFields fields = RequestFields.of(body);
        ServedModel served = targets.served(fields.requiredString("model"));
        return router.route(served, VllmEndpoint.COMPLETIONS, body, targets.find(served).<BackendRouter.NativeCall>map(
                target -> fallbackFollows -> nativeCompletion(fields, target, timeoutMillis, fallbackFollows))
                .orElse(null));
    }

    private ResponseEntity<StreamingResponseBody> nativeCompletion(RequestFields fields, NativeTarget target,
            Long timeoutMillis, boolean fallbackFollows) {
        Model model = target.model();
        List<int[]> prompts = prompts(fields, model);
        if (fields.bool("echo", false)) {
            throw RequestFields.unsupported("echo", "'echo' is not supported yet.");
        }
        if (fields.string("suffix").filter(s -> !s.isEmpty()).isPresent()) {
            throw RequestFields.unsupported("suffix", "'suffix' (insertion) is not supported yet.");
        }
        SamplingFields sampling = SamplingFields.read(fields, model.info().vocabSize());
        if (fields.integer("best_of", 1, 20).orElse(sampling.n()) != sampling.n()) {
            throw RequestFields.unsupported("best_of", "'best_of' other than n is not supported yet.");
        }
        var logprobs = fields.integer("logprobs", 0, 5);
        int maxTokens = fields.integer("max_tokens", 1, Integer.MAX_VALUE).orElse(DEFAULT_COMPLETION_MAX_TOKENS);
        int context = target.served().contextLength();
        for (int[] prompt : prompts) {
            if (prompt.length + maxTokens > context) {
                throw CompletionService.contextExceeded("prompt", "This model's maximum context length is " + context + " tokens, "
                        + "however you requested " + (prompt.length + maxTokens) + " tokens (" + prompt.length
                        + " in your prompt; " + maxTokens + " for the completion). Please reduce your prompt; or "
                        + "completion length.");
            }
        }
        return run(target, prompts, sampling, maxTokens, logprobs.orElse(0), logprobs.isPresent(),
                new TextFormat(json, logprobs.isPresent(), prompts.size() * sampling.n()), timeoutMillis,
                fallbackFollows);
    }

    private ResponseEntity<StreamingResponseBody> run(NativeTarget target, List<int[]> prompts,
            SamplingFields sampling, int maxTokens, int topLogprobs, boolean logprobs, OutputFormat format,
            Long timeoutMillis, boolean fallbackFollows) {
        List<SamplingParams> perChoice;
        try {
            perChoice = sampling.perChoice(maxTokens, topLogprobs);
        } catch (IllegalArgumentException e) {
            throw RequestFields.invalid(null, e.getMessage()); // the fields were checked; this is a backstop
        }
        CompletionService.Submission submission = completions.submit(target, prompts, perChoice, sampling.tenant(),
                SamplingFields.timeout(timeoutMillis));
        if (fallbackFollows && sampling.stream()) {
            throwIfFailedBeforeFirstToken(submission.generation()); // a whole answer throws its failure anyway
        }
        Responder responder = new Responder(json, format, target.model().tokenizer(), new Responder.Envelope(
                format.idPrefix() + newId(), clock.instant().getEpochSecond(), target.served().id(),
                submission.promptTokens(), submission.choices(), logprobs));
        return sampling.stream() ? responder.streamed(submission.generation(), sampling.includeUsage())
                : responder.whole(submission.generation());
    }

    /**
     * A stream is held until its first event: if that is a failure, it is thrown while nothing has been sent, so
     * the router can hand the request to the next backend.
     */
    private static void throwIfFailedBeforeFirstToken(Generation generation) {
        try {
            if (generation.peek(generation.remaining().plusSeconds(30)) instanceof GenerationEvent.Failed failed) {
                throw new ApiException(failed.error());
            }
        } catch (InterruptedException e) {
            generation.cancel();
            Thread.currentThread().interrupt();
            throw new ApiException(new ApiError(503, "The server is shutting down.", null, "backend_unavailable"));
        }
    }

    // ---- chat ----------------------------------------------------------------------------------------------------

    private static List<ChatMessage> messages(RequestFields fields) {
        JsonNode node = fields.required("messages");
        if (!node.isArray()) {
            throw RequestFields.wrongType("messages", "an array of messages");
        }
        if (node.isEmpty()) {
            throw RequestFields.invalid("messages", "'messages' must contain at least one message.");
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String at = "messages[" + i + "]";
            JsonNode message = node.get(i);
            if (!message.isObject()) {
                throw RequestFields.wrongType(at, "an object");
            }
            JsonNode roleNode = message.get("role");
            if (roleNode == null || roleNode.isNull()) {
                throw new ApiException(new ApiError(400, "Missing required parameter: '" + at + ".role'.",
                        at + ".role", "missing_required_parameter"));
            }
            if (!roleNode.isString()) {
                throw RequestFields.wrongType(at + ".role", "a string");
            }
            String role = switch (roleNode.stringValue()) {
                case "system", "developer" -> "system"; // "developer" is OpenAI's newer name for system
                case "user" -> "user";
                case "assistant" -> "assistant";
                case "tool", "function" -> throw RequestFields.unsupported(at + ".role",
                        "Tool and function messages are not supported yet.");
                default -> throw RequestFields.invalid(at + ".role", "Invalid value: '" + roleNode.stringValue()
                        + "'. Supported values are: 'system', 'developer', 'user' and 'assistant'.");
            };
            messages.add(new ChatMessage(role, content(message.get("content"), at, role)));
        }
        return messages;
    }

    private static String content(JsonNode content, String at, String role) {
        if (content == null || content.isNull()) {
            if (role.equals("assistant")) {
                return "";
            }
            throw new ApiException(new ApiError(400, "Missing required parameter: '" + at + ".content'.",
                    at + ".content", "missing_required_parameter"));
        }
        if (content.isString()) {
            return content.stringValue();
        }
        if (!content.isArray()) {
            throw RequestFields.wrongType(at + ".content", "a string or an array of content parts");
        }
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < content.size(); j++) {
            String partAt = at + ".content[" + j + "]";
            JsonNode part = content.get(j);
            if (!part.isObject()) {
                throw RequestFields.wrongType(partAt, "an object");
            }
            JsonNode type = part.get("type");
            if (type == null || !type.isString()) {
                throw RequestFields.wrongType(partAt + ".type", "a string");
            }
            if (!type.stringValue().equals("text")) {
                throw RequestFields.unsupported(partAt + ".type", "Only text content parts are supported, not '"
                        + type.stringValue() + "'.");
            }
            JsonNode partText = part.get("text");
            if (partText == null || !partText.isString()) {
                throw RequestFields.wrongType(partAt + ".text", "a string");
            }
            text.append(partText.stringValue());
        }
        return text.toString();
    }

    private static void rejectUnsupportedChatFields(RequestFields fields) {
        for (String field : List.of("tools", "functions")) {
            fields.node(field).filter(tools -> !(tools.isArray() && tools.isEmpty())).ifPresent(tools -> {
                throw RequestFields.unsupported(field, "'" + field + "' (tool calling) is not supported yet.");
            });
        }
    }

    // ---- completions -----------------------------------------------------------------------------------------

    /** {@code prompt}: a string, an array of strings, an array of token ids, or an array of such arrays. */
    private static List<int[]> prompts(RequestFields fields, Model model) {
        JsonNode node = fields.required("prompt");
        List<int[]> prompts = new ArrayList<>();
        if (node.isString()) {
            prompts.add(encode(model, node.stringValue()));
        } else if (node.isArray() && !node.isEmpty() && node.get(0).isNumber()) {
            prompts.add(tokenIds(node, "prompt", model.info().vocabSize()));
        } else if (node.isArray() && !node.isEmpty()) {
            for (int i = 0; i < node.size(); i++) {
                JsonNode item = node.get(i);
                if (item.isString()) {
                    prompts.add(encode(model, item.stringValue()));
                } else if (item.isArray()) {
                    prompts.add(tokenIds(item, "prompt[" + i + "]", model.info().vocabSize()));
                } else {
                    throw RequestFields.wrongType("prompt[" + i + "]", "a string or an array of token ids");
                }
            }
        } else {
            throw RequestFields.wrongType("prompt", "a string, an array of strings or an array of token ids");
        }
        for (int[] prompt : prompts) {
            if (prompt.length == 0) {
                throw RequestFields.invalid("prompt", "The prompt is empty.");
            }
        }
        return prompts;
    }

    private static int[] encode(Model model, String text) {
        int[] tokens = model.tokenizer().encode(text, true, true);
        int bos = model.tokenizer().bosId();
        // An empty prompt starts from the beginning-of-sequence token, as OpenAI's starts from <|endoftext|>.
        return tokens.length == 0 && bos >= 0 ? new int[] {bos} : tokens;
    }

    private static int[] tokenIds(JsonNode array, String param, int vocabSize) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = RequestFields.integerValue(param + "[" + i + "]", array.get(i), 0, vocabSize - 1);
        }
        return ids;
    }

    // ---- shared ----------------------------------------------------------------------------------------------

    private static String newId() {
        byte[] bytes = new byte[12];
        ThreadLocalRandom.current().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes).toLowerCase(Locale.ROOT);
    }
}
