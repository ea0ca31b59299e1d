package dev.moeplatform.rag.documents;

import dev.moeplatform.rag.RagProperties;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.springframework.ai.tokenizer.JTokkitTokenCountEstimator;
import org.springframework.ai.tokenizer.TokenCountEstimator;
import org.springframework.stereotype.Component;

/**
 * Splits a parsed document into chunks of at most {@code chunk-tokens} tokens that never cross a heading: each
 * section (the blocks under one heading path, or one PDF page) is packed sentence by sentence, paragraphs kept
 * whole where they fit, and a chunk that continues a section starts with the last {@code chunk-overlap-tokens} of
 * the previous one. A chunk's text starts with its heading path, so that both the embedding and the keyword index
 * see which section it comes from.
 */
@Component
class Chunker {

    /** One chunk: its position in the document, text (heading path included) and where it comes from. */
    record Chunk(int index, String text, List<String> headings, Integer page, int tokens) {
    }

    private record Piece(String text, int tokens, boolean startsParagraph) {
    }

    private final TokenCountEstimator tokens = new JTokkitTokenCountEstimator();
    private final int maxTokens;
    private final int overlapTokens;

    @org.springframework.beans.factory.annotation.Autowired
    Chunker(RagProperties properties) {
        this(properties.chunkTokens(), properties.chunkOverlapTokens());
    }

    Chunker(int maxTokens, int overlapTokens) {
        if (overlapTokens >= maxTokens) {
            throw new IllegalArgumentException("chunk overlap (" + overlapTokens + ") must be below the chunk size ("
                    + maxTokens + ")");
        }
        this.maxTokens = maxTokens;
        this.overlapTokens = overlapTokens;
    }

    List<Chunk> chunk(ParsedDocument document) {
        List<Chunk> chunks = new ArrayList<>();
        List<ParsedDocument.Block> section = new ArrayList<>();
        for (ParsedDocument.Block block : document.blocks()) {
            if (!section.isEmpty() && !sameSection(section.getFirst(), block)) {
                packSection(section, chunks);
                section.clear();
            }
            section.add(block);
        }
        if (!section.isEmpty()) {
            packSection(section, chunks);
        }
        return chunks;
    }

    private static boolean sameSection(ParsedDocument.Block a, ParsedDocument.Block b) {
        return a.headings().equals(b.headings()) && Objects.equals(a.page(), b.page());
    }

    private void packSection(List<ParsedDocument.Block> blocks, List<Chunk> chunks) {
        List<String> headings = blocks.getFirst().headings();
        Integer page = blocks.getFirst().page();
        String prefix = headings.isEmpty() ? "" : String.join(" > ", headings) + "\n\n";
        int budget = Math.max(maxTokens / 4, maxTokens - tokens.estimate(prefix));
        List<Piece> pieces = new ArrayList<>();
        for (ParsedDocument.Block block : blocks) {
            split(block.text(), budget, pieces);
        }
        List<Piece> current = new ArrayList<>();
        int used = 0;
        boolean fresh = true; // whether current holds anything beyond the overlap carried from the previous chunk
        for (Piece piece : pieces) {
            if (used + piece.tokens() > budget && fresh && !current.isEmpty()) {
                chunks.add(chunk(chunks.size(), prefix, current, headings, page));
                current = overlap(current);
                used = current.stream().mapToInt(Piece::tokens).sum();
                fresh = false;
            }
            current.add(piece);
            used += piece.tokens();
            fresh = true;
        }
        if (fresh && !current.isEmpty()) {
            chunks.add(chunk(chunks.size(), prefix, current, headings, page));
        }
    }

    private Chunk chunk(int index, String prefix, List<Piece> pieces, List<String> headings, Integer page) {
        StringBuilder text = new StringBuilder(prefix);
        for (int i = 0; i < pieces.size(); i++) {
            if (i > 0) {
                text.append(pieces.get(i).startsParagraph() ? "\n\n" : " ");
            }
            text.append(pieces.get(i).text());
        }
        String content = text.toString();
        return new Chunk(index, content, headings, page, tokens.estimate(content));
    }

    /** The trailing pieces of a chunk that fit in the overlap, repeated at the start of the next one. */
    private List<Piece> overlap(List<Piece> previous) {
        List<Piece> tail = new ArrayList<>();
        int used = 0;
        for (int i = previous.size() - 1; i >= 0 && used + previous.get(i).tokens() <= overlapTokens; i--) {
            tail.addFirst(previous.get(i));
            used += previous.get(i).tokens();
        }
        return tail;
    }

    /** The sentence's words, a word too long for a piece cut into parts (a few characters per token at worst). */
    private List<String> words(String sentence, int limit) {
        List<String> words = new ArrayList<>();
        int width = Math.max(1, limit / 3);
        for (String word : sentence.split(" ")) {
            if (tokens.estimate(word) <= limit) {
                words.add(word);
            } else {
                for (int from = 0; from < word.length(); from += width) {
                    words.add(word.substring(from, Math.min(word.length(), from + width)));
                }
            }
        }
        return words;
    }

    /** A paragraph that fits is one piece; a longer one is cut at sentences, and a too-long sentence at words. */
    private void split(String paragraph, int budget, List<Piece> pieces) {
        int count = tokens.estimate(paragraph);
        if (count <= budget / 2) {
            pieces.add(new Piece(paragraph, count, true));
            return;
        }
        boolean first = true;
        for (String sentence : paragraph.split("(?<=[.!?;:])\\s+")) {
            int sentenceTokens = tokens.estimate(sentence);
            if (sentenceTokens <= budget / 2) {
                pieces.add(new Piece(sentence, sentenceTokens, first));
                first = false;
                continue;
            }
            StringBuilder window = new StringBuilder();
            for (String word : words(sentence, budget / 2)) {
                String candidate = window.isEmpty() ? word : window + " " + word;
                if (tokens.estimate(candidate) > budget / 2 && !window.isEmpty()) {
                    pieces.add(new Piece(window.toString(), tokens.estimate(window.toString()), first));
                    first = false;
                    window.setLength(0);
                    window.append(word);
                } else {
                    window.setLength(0);
                    window.append(candidate);
                }
            }
            if (!window.isEmpty()) {
                pieces.add(new Piece(window.toString(), tokens.estimate(window.toString()), first));
                first = false;
            }
        }
    }
}
