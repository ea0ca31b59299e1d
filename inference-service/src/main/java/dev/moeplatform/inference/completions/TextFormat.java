package dev.moeplatform.inference.completions;

import dev.moeplatform.engine.TextStream;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code text_completion} choices, with the legacy {@code logprobs} object (tokens, token_logprobs, top_logprobs,
 * text_offset). Offsets count characters of the choice's text; one instance serves one response.
 */
final class TextFormat implements OutputFormat {

    private final JsonMapper json;
    private final boolean logprobs;
    private final int[] offsets;

    TextFormat(JsonMapper json, boolean logprobs, int choices) {
        this.json = json;
        this.logprobs = logprobs;
        this.offsets = new int[choices];
    }

    @Override
    public String idPrefix() {
        return "cmpl-";
    }

    @Override
    public String object() {
        return "text_completion";
    }

    @Override
    public String chunkObject() {
        return "text_completion";
    }

    @Override
    public ObjectNode choice(int index, String text, List<TokenLogprob> tokens, TextStream.Finish finish) {
        return chunkChoice(index, text, tokens, finish);
    }

    @Override
    public ObjectNode chunkChoice(int index, String text, List<TokenLogprob> tokens, TextStream.Finish finish) {
        ObjectNode choice = json.createObjectNode();
        choice.put("text", text);
        choice.put("index", index);
        if (!logprobs || tokens == null) {
            choice.putNull("logprobs");
        } else {
            ObjectNode node = choice.putObject("logprobs");
            ArrayNode texts = node.putArray("tokens");
            ArrayNode values = node.putArray("token_logprobs");
            ArrayNode tops = node.putArray("top_logprobs");
            ArrayNode textOffsets = node.putArray("text_offset");
            for (TokenLogprob token : tokens) {
                texts.add(token.token());
                values.add(token.logprob());
                ObjectNode top = tops.addObject();
                token.top().forEach(alt -> top.put(alt.token(), alt.logprob()));
                textOffsets.add(offsets[index]);
                offsets[index] += token.token().length();
            }
        }
        choice.put("finish_reason", OutputFormat.finishName(finish));
        return choice;
    }

    @Override
    public List<ObjectNode> openingChoices(int choices) {
        return List.of();
    }
}
