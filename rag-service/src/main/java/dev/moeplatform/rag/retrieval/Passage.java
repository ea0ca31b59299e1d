package dev.moeplatform.rag.retrieval;

/**
 * One retrieved chunk.
 *
 * @param score the fused (reciprocal rank) score in hybrid mode; cosine similarity in vector mode; the full-text
 *     rank in keyword mode
 * @param similarity cosine similarity of chunk and query, when the vector ranking found it
 * @param vectorRank its rank in the vector ranking (1-based), or null
 * @param keywordRank its rank in the keyword ranking (1-based), or null
 */
public record Passage(String chunkId, String documentId, String documentTitle, int chunkIndex, String headingPath,
        Integer page, String text, double score, Double similarity, Integer vectorRank, Integer keywordRank) {
}
