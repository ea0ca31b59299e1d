package dev.moeplatform.rag.answers;

import java.util.List;

/**
 * A grounded answer.
 *
 * @param answer the model's text, citing passages as [n]
 * @param nothingRelevant true when retrieval found nothing relevant and the answer says so (no model call was made)
 * @param citations the passages the answer cites, by their numbers
 * @param passages every passage the model was given, numbered from 1
 * @param usage the chat call's tokens as the gateway metered them (null when no model call was made)
 */
public record Answer(String model, String answer, boolean nothingRelevant, List<Citation> citations,
        List<Citation> passages, Usage usage) {

    /** A numbered passage: where it comes from and its text. */
    public record Citation(int number, String documentId, String documentTitle, int chunkIndex, String headingPath,
            Integer page, String text) {
    }

    public record Usage(long promptTokens, long completionTokens) {
    }
}
