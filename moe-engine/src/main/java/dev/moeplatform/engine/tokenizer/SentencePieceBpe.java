package dev.moeplatform.engine.tokenizer;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.Arrays;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.stream.IntStream;

/**
 * SentencePiece-style BPE ("llama" vocabularies: Llama 1/2, Mistral, Mixtral). Spaces are written U+2581 ('▁'); the
 * text, and each stretch of it after a special token, gets one in front (the dummy prefix, which decoding drops
 * again). Starting from single characters, adjacent pieces merge while their concatenation is a token, the token
 * with the highest score first. A character with no token of its own becomes its UTF-8 bytes as {@code <0xXX>}
 * tokens, or the unknown token where the vocabulary has no byte tokens.
 */
final class SentencePieceBpe extends Tokenizer {

    static final char SPACE = '\u2581';

    /** Two adjacent pieces, starting at piece {@code left}, whose {@code length} chars are a token with this score. */
    private record Candidate(int left, int length, float score) {
    }

    private static final Comparator<Candidate> BEST_FIRST =
            Comparator.comparingDouble((Candidate c) -> -c.score()).thenComparingInt(Candidate::left);

    private final int[] byteTokens = new int[256];
    private final boolean hasByteTokens;
    private final int unknownId;

    SentencePieceBpe(Vocabulary vocabulary) {
        super(vocabulary);
        if (vocabulary.scores() != null && vocabulary.scores().length != vocabulary.size()) {
            throw new IllegalArgumentException("vocabulary has " + vocabulary.size() + " tokens but "
                    + vocabulary.scores().length + " scores");
        }
        Arrays.fill(byteTokens, -1);
        int unknown = -1;
        boolean bytes = false;
        for (int id = 0; id < vocabulary.size(); id++) {
            if (type(id) == Vocabulary.TYPE_BYTE) {
                int b = parseByteToken(tokenText(id));
                if (b >= 0 && byteTokens[b] < 0) {
                    byteTokens[b] = id;
                    bytes = true;
                }
            } else if (type(id) == Vocabulary.TYPE_UNKNOWN && unknown < 0) {
                unknown = id;
            }
        }
        hasByteTokens = bytes;
        unknownId = unknown;
    }

    @Override
    void encodePlain(String text, IntStream.Builder out) {
        String s = (" " + text).replace(' ', SPACE);
        // The pieces, one per character to begin with, as a linked list of [start, end) ranges of s.
        int n = s.codePointCount(0, s.length());
        int[] start = new int[n];
        int[] end = new int[n];
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0, offset = 0; i < n; i++) {
            start[i] = offset;
            offset += Character.charCount(s.codePointAt(offset));
            end[i] = offset;
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>(BEST_FIRST);
        for (int i = 0; i + 1 < n; i++) {
            offer(queue, s, i, start, end, next);
        }
        while (!queue.isEmpty()) {
            Candidate c = queue.poll();
            int left = c.left();
            int right = next[left];
            if (end[left] < 0 || right < 0 || end[right] - start[left] != c.length()) {
                continue; // one of the two pieces has merged with something else since
            }
            end[left] = end[right];
            end[right] = -1;
            next[left] = next[right];
            if (next[left] >= 0) {
                prev[next[left]] = left;
                offer(queue, s, left, start, end, next);
            }
            if (prev[left] >= 0) {
                offer(queue, s, prev[left], start, end, next);
            }
        }
        for (int i = 0; i >= 0 && n > 0; i = next[i]) {
            String piece = s.substring(start[i], end[i]);
            int id = normalId(piece);
            if (id >= 0) {
                out.add(id);
            } else {
                fallBack(piece, out);
            }
        }
    }

    private void offer(PriorityQueue<Candidate> queue, String s, int left, int[] start, int[] end, int[] next) {
        int right = next[left];
        int id = normalId(s.substring(start[left], end[right]));
        if (id >= 0) {
            queue.add(new Candidate(left, end[right] - start[left], score(id)));
        }
    }

    private void fallBack(String character, IntStream.Builder out) {
        if (!hasByteTokens) {
            out.add(requireUnknown(character));
            return;
        }
        for (byte b : character.getBytes(UTF_8)) {
            int id = byteTokens[b & 0xFF];
            out.add(id >= 0 ? id : requireUnknown(character));
        }
    }

    private int requireUnknown(String character) {
        if (unknownId < 0) {
            throw new IllegalArgumentException("cannot encode '" + character
                    + "': no token, no byte token and no unknown token for it");
        }
        return unknownId;
    }

    private float score(int id) {
        return vocabulary.scores() == null ? 0f : vocabulary.scores()[id];
    }

    @Override
    byte[] normalPiece(int id) {
        String text = tokenText(id);
        if (type(id) == Vocabulary.TYPE_BYTE) {
            int b = parseByteToken(text);
            return b >= 0 ? new byte[] {(byte) b} : text.getBytes(UTF_8);
        }
        return text.replace(SPACE, ' ').getBytes(UTF_8);
    }

    @Override
    boolean stripsSegmentPrefix() {
        return true;
    }

    /** The byte of a {@code <0xXX>} token, or -1. */
    static int parseByteToken(String text) {
        if (text.length() != 6 || !text.startsWith("<0x") || text.charAt(5) != '>') {
            return -1;
        }
        int high = Character.digit(text.charAt(3), 16);
        int low = Character.digit(text.charAt(4), 16);
        return high < 0 || low < 0 ? -1 : high << 4 | low;
    }

    static String byteToken(int b) {
        return String.format("<0x%02X>", b);
    }

    @Override
    public String toString() {
        return "SentencePieceBpe[" + vocabSize() + " tokens, byte fallback " + (hasByteTokens ? "on" : "off") + "]";
    }
}
