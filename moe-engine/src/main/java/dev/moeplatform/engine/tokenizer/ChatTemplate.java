package dev.moeplatform.engine.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A model's chat template ({@code tokenizer.chat_template}, Jinja) rendered with Jinjava the way Hugging Face's
 * {@code apply_chat_template} renders it: blocks trimmed and left-stripped, and these names defined: {@code messages}
 * (maps with "role" and "content"), {@code add_generation_prompt}, {@code bos_token}, {@code eos_token} and
 * {@code raise_exception(message)}, which makes {@link #render} throw an {@link IllegalArgumentException} with that
 * message. Thread-safe.
 */
public final class ChatTemplate {

    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final Jinjava jinjava;

    /** Problems in the template surface when it is rendered. Null tokens are empty strings to the template. */
    public ChatTemplate(String jinjaSource, String bosToken, String eosToken) {
        this.source = Objects.requireNonNull(jinjaSource, "jinjaSource");
        this.bosToken = bosToken == null ? "" : bosToken;
        this.eosToken = eosToken == null ? "" : eosToken;
        jinjava = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true).build());
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                TemplateFunctions.class, "raiseException", String.class));
    }

    /**
     * The prompt for {@code messages}; with {@code addGenerationPrompt} it ends where the assistant's reply begins.
     *
     * @throws IllegalArgumentException with the template's message when it calls {@code raise_exception}, or naming
     *     the problem when Jinjava cannot render the template
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        Map<String, Object> bindings = new HashMap<>();
        bindings.put("messages", messages.stream()
                .map(m -> Map.<String, Object>of("role", m.role(), "content", m.content())).toList());
        bindings.put("add_generation_prompt", addGenerationPrompt);
        bindings.put("bos_token", bosToken);
        bindings.put("eos_token", eosToken);
        RenderResult result = jinjava.renderForResult(source, bindings);
        List<TemplateError> fatal = result.getErrors().stream()
                .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL).toList();
        for (TemplateError error : fatal) {
            for (Throwable t = error.getException(); t != null; t = t.getCause()) {
                if (t instanceof RaisedByTemplate raised) {
                    throw new IllegalArgumentException(raised.getMessage());
                }
            }
        }
        if (!fatal.isEmpty()) {
            throw new IllegalArgumentException("the chat template cannot be rendered: " + fatal.stream()
                    .map(e -> e.getMessage() + " (line " + e.getLineno() + ")").collect(Collectors.joining("; ")));
        }
        return result.getOutput();
    }

    public String source() {
        return source;
    }

    /** What the template called {@code raise_exception} with. */
    private static final class RaisedByTemplate extends RuntimeException {
        RaisedByTemplate(String message) {
            super(message, null, false, false);
        }
    }

    /** Functions templates may call. */
    private static final class TemplateFunctions {
        private TemplateFunctions() {
        }

        static String raiseException(String message) {
            throw new RaisedByTemplate(message);
        }
    }
}
