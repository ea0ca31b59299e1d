package dev.moeplatform.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChatTemplateTest {

    /** Llama 3's layout: header ids around the role, content trimmed, BOS before the first message only. */
    private static final String LLAMA3_STYLE = """
            {% for message in messages %}
            {% if loop.index0 == 0 %}{{ bos_token }}{% endif %}
            {{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}
            {%- endfor %}
            {% if add_generation_prompt %}
            {{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
            {%- endif %}
            """;

    /** Refuses conversations whose turns do not go user, assistant, user, ... */
    private static final String STRICT_ALTERNATION = """
            {% for message in messages %}
            {% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
            {{ raise_exception('Conversation roles must alternate user/assistant/user/assistant, not ' + message['role'] + ' at ' + loop.index0) }}
            {% endif %}
            {{ message['role'] + ': ' + message['content'] + eos_token }}
            {%- endfor %}
            """;

    private static final List<ChatMessage> CONVERSATION = List.of(
            new ChatMessage("system", "You are terse."),
            new ChatMessage("user", "  Hi there!\n"),
            new ChatMessage("assistant", "Hello."));

    @Test
    void rendersChatMl() {
        ChatTemplate template = new ChatTemplate(Vocabularies.CHATML_TEMPLATE, null, "<|im_end|>");
        String expected = "<|im_start|>system\nYou are terse.<|im_end|>\n"
                + "<|im_start|>user\n  Hi there!\n<|im_end|>\n"
                + "<|im_start|>assistant\nHello.<|im_end|>\n";
        assertThat(template.render(CONVERSATION, false)).isEqualTo(expected);
        assertThat(template.render(CONVERSATION, true)).isEqualTo(expected + "<|im_start|>assistant\n");
        assertThat(template.render(List.of(), true)).isEqualTo("<|im_start|>assistant\n");
    }

    @Test
    void chatMlPromptsTokenizeIntoTheDefaultVocabularysSpecialTokens() {
        Vocabulary vocabulary = Vocabularies.defaultByteLevel();
        Tokenizer tokenizer = Tokenizer.of(vocabulary);
        String prompt = new ChatTemplate(vocabulary.chatTemplate(), null, null).render(CONVERSATION, true);
        int[] ids = tokenizer.encode(prompt, true, true);
        int start = tokenizer.tokenId("<|im_start|>").orElseThrow();
        assertThat(java.util.Arrays.stream(ids).filter(id -> id == start).count()).isEqualTo(4);
        assertThat(java.util.Arrays.stream(ids).filter(id -> id == tokenizer.eosId()).count()).isEqualTo(3);
        assertThat(tokenizer.decode(ids, true)).isEqualTo(prompt);
    }

    @Test
    void rendersALlama3StyleTemplate() {
        ChatTemplate template = new ChatTemplate(LLAMA3_STYLE, "<|begin_of_text|>", "<|eot_id|>");
        assertThat(template.render(CONVERSATION.subList(0, 2), true)).isEqualTo("<|begin_of_text|>"
                + "<|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi there!<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThat(template.render(CONVERSATION.subList(1, 2), false))
                .isEqualTo("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi there!<|eot_id|>");
    }

    @Test
    void raiseExceptionBecomesAnIllegalArgumentExceptionWithItsMessage() {
        ChatTemplate template = new ChatTemplate(STRICT_ALTERNATION, "<s>", "</s>");
        assertThat(template.render(CONVERSATION.subList(1, 3), false)).isEqualTo("user:   Hi there!\n</s>assistant: Hello.</s>");
        assertThatThrownBy(() -> template.render(CONVERSATION, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Conversation roles must alternate user/assistant/user/assistant, not system at 0");
        assertThatThrownBy(() -> template.render(List.of(new ChatMessage("user", "a"), new ChatMessage("user", "b")), true))
                .hasMessageEndingWith("not user at 1");
    }

    @Test
    void templatesJinjavaCannotRenderAreReportedWithTheProblem() {
        assertThatThrownBy(() -> new ChatTemplate("{% for m in messages %}{{ m['content'] }}", null, null)
                .render(CONVERSATION, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("the chat template cannot be rendered: ")
                .hasMessageContaining("endfor");
        assertThatThrownBy(() -> new ChatTemplate("{{ strftime_now('%Y') }}", null, null).render(CONVERSATION, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("strftime_now")
                .hasMessageContaining("line 1");
    }

    @Test
    void messagesNeedARoleAndContent() {
        assertThatThrownBy(() -> new ChatMessage(null, "x")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new ChatMessage("user", null)).isInstanceOf(NullPointerException.class);
    }
}
