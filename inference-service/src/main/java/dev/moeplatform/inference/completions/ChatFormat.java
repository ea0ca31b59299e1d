package dev.moeplatform.inference.completions;

import dev.moeplatform.engine.TextStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code chat.completion} and {@code chat.completion.chunk} choices, with {@code logprobs.content[]}. */
final class ChatFormat implements OutputFormat {

    private final JsonMapper json;
    private final boolean logprobs;

    ChatFormat(JsonMapper json, boolean logprobs) {
        this.json = json;
        this.logprobs = logprobs;
    }

    @Override
    public String idPrefix() {
        return "chatcmpl-";
    }

    @Override
    public String object() {
        return "chat.completion";
    }

    @Override
    public String chunkObject() {
        return "chat.completion.chunk";
    }

    @Override
    public ObjectNode choice(int index, String text, List<TokenLogprob> tokens, TextStream.Finish finish) {
        ObjectNode choice = json.createObjectNode();
        choice.put("index", index);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", text);
        message.putNull("refusal");
        logprobs(choice, tokens);
        choice.put("finish_reason", OutputFormat.finishName(finish));
        return choice;
    }

    @Override
    public ObjectNode chunkChoice(int index, String text, List<TokenLogprob> tokens, TextStream.Finish finish) {
        ObjectNode choice = json.createObjectNode();
        choice.put("index", index);
        ObjectNode delta = choice.putObject("delta");
        if (finish == null) {
            delta.put("content", text);
        }
        logprobs(choice, finish == null ? tokens : null);
        choice.put("finish_reason", OutputFormat.finishName(finish));
        return choice;
    }

    @Override
    public List<ObjectNode> openingChoices(int choices) {
        List<ObjectNode> opening = new ArrayList<>();
        for (int i = 0; i < choices; i++) {
            ObjectNode choice = json.createObjectNode();
            choice.put("index", i);
            ObjectNode delta = choice.putObject("delta");
            delta.put("role", "assistant");
            delta.put("content", "");
            delta.putNull("refusal");
            choice.putNull("logprobs");
            choice.putNull("finish_reason");
            opening.add(choice);
        }
        return opening;
    }

    private void logprobs(ObjectNode choice, List<TokenLogprob> tokens) {
        if (!logprobs || tokens == null) {
            choice.putNull("logprobs");
            return;
        }
        ObjectNode node = choice.putObject("logprobs");
        ArrayNode content = node.putArray("content");
        for (TokenLogprob token : tokens) {
            ObjectNode entry = content.addObject();
            entry.put("token", token.token());
            entry.put("logprob", token.logprob());
            bytes(entry, token.token());
            ArrayNode top = entry.putArray("top_logprobs");
            for (TokenLogprob.Alternative alternative : token.top()) {
                ObjectNode alt = top.addObject();
                alt.put("token", alternative.token());
                alt.put("logprob", alternative.logprob());
                bytes(alt, alternative.token());
            }
        }
        node.putNull("refusal");
    }

    private static void bytes(ObjectNode entry, String text) {
        ArrayNode bytes = entry.putArray("bytes");
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            bytes.add(b & 0xff);
        }
    }
}
