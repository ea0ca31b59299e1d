package dev.moeplatform.engine.tokenizer;

import java.util.Objects;

/** One turn of a conversation as a chat template sees it, e.g. role "system", "user" or "assistant". */
public record ChatMessage(String role, String content) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }
}
