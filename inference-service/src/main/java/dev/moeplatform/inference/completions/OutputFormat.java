package dev.moeplatform.inference.completions;

import dev.moeplatform.engine.TextStream;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/** How one endpoint spells its choices, whole and as stream chunks; the rest of the envelope is shared. */
interface OutputFormat {

    String idPrefix();

    String object();

    String chunkObject();

    /** A finished choice of a non-streaming response. */
    ObjectNode choice(int index, String text, List<TokenLogprob> logprobs, TextStream.Finish finish);

    /** A chunk's choice: new text (may be empty), the tokens' logprobs if asked for, the finish on the last. */
    ObjectNode chunkChoice(int index, String text, List<TokenLogprob> logprobs, TextStream.Finish finish);

    /** The choices of the first chunks, before any token (chat announces the assistant role). */
    List<ObjectNode> openingChoices(int choices);

    static String finishName(TextStream.Finish finish) {
        return finish == null ? null : finish == TextStream.Finish.STOP ? "stop" : "length";
    }
}
