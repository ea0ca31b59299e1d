package dev.moeplatform.engine.tokenizer;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.stream.IntStream;

/**
 * Byte-level BPE ("gpt2" vocabularies: GPT-2, Llama 3, Qwen, DeepSeek): the text is split by the vocabulary's
 * pre-tokenizer style, each piece becomes its UTF-8 bytes, and adjacent tokens merge by the priority of their merge
 * rule (its position in {@code merges}) until no rule applies.
 */
final class ByteLevelBpe extends Tokenizer {

    private static final int CACHE_SIZE = 16_384;
    private static final int CACHE_MAX_PIECE = 64;

    /** A merge rule: its rank (lower merges first) and the token it makes. */
    private record Merge(int rank, int result) {
    }

    private final PreTokenizer preTokenizer;
    private final int[] byteTokens = new int[256];
    private final Map<Long, Merge> merges;
    private final Map<String, int[]> cache = Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, int[]> eldest) {
            return size() > CACHE_SIZE;
        }
    });

    ByteLevelBpe(Vocabulary vocabulary) {
        super(vocabulary);
        preTokenizer = PreTokenizer.forName(vocabulary.pre());
        for (int b = 0; b < 256; b++) {
            byteTokens[b] = tokenId(String.valueOf(ByteAlphabet.charOf(b))).orElse(-1);
        }
        List<String> rules = vocabulary.merges() == null ? List.of() : vocabulary.merges();
        merges = HashMap.newHashMap(rules.size());
        for (int rank = 0; rank < rules.size(); rank++) {
            String rule = rules.get(rank);
            int space = rule.indexOf(' ');
            if (space <= 0) {
                throw new IllegalArgumentException("merge " + rank + " is not 'left right': '" + rule + "'");
            }
            String left = rule.substring(0, space);
            String right = rule.substring(space + 1);
            int leftId = tokenId(left).orElse(-1);
            int rightId = tokenId(right).orElse(-1);
            int result = tokenId(left + right).orElse(-1);
            if (leftId >= 0 && rightId >= 0 && result >= 0) {
                merges.putIfAbsent(pair(leftId, rightId), new Merge(rank, result));
            }
        }
    }

    @Override
    void encodePlain(String text, IntStream.Builder out) {
        for (String piece : preTokenizer.split(text)) {
            int[] ids = piece.length() > CACHE_MAX_PIECE ? merge(piece) : cache.computeIfAbsent(piece, this::merge);
            for (int id : ids) {
                out.add(id);
            }
        }
    }

    @Override
    byte[] normalPiece(int id) {
        byte[] bytes = ByteAlphabet.decode(tokenText(id));
        return bytes != null ? bytes : tokenText(id).getBytes(UTF_8);
    }

    @Override
    boolean stripsSegmentPrefix() {
        return false;
    }

    /**
     * The tokens of one pre-token. The bytes form a linked list; a queue holds each adjacent pair that has a merge,
     * keyed by rank and then position so the leftmost of equal merges goes first. Entries that merging made stale are
     * recognised when they come up (the pair at that position no longer has that rank) and skipped.
     */
    private int[] merge(String piece) {
        byte[] bytes = piece.getBytes(UTF_8);
        if (preTokenizer.wholeWordsFirst()) {
            int whole = normalId(ByteAlphabet.encode(bytes));
            if (whole >= 0) {
                return new int[] {whole};
            }
        }
        int n = bytes.length;
        if (n == 0) {
            return new int[0];
        }
        int[] token = new int[n];
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            token[i] = byteTokens[bytes[i] & 0xFF];
            if (token[i] < 0) {
                throw new IllegalStateException(String.format("the vocabulary has no token for byte 0x%02X", bytes[i]));
            }
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        PriorityQueue<Long> queue = new PriorityQueue<>();
        for (int i = 0; i + 1 < n; i++) {
            enqueue(queue, i, token, next);
        }
        int count = n;
        while (!queue.isEmpty()) {
            long entry = queue.poll();
            int left = (int) entry;
            int right = next[left];
            if (token[left] < 0 || right < 0) {
                continue;
            }
            Merge merge = merges.get(pair(token[left], token[right]));
            if (merge == null || merge.rank() != (int) (entry >>> 32)) {
                continue;
            }
            token[left] = merge.result();
            token[right] = -1;
            next[left] = next[right];
            if (next[left] >= 0) {
                prev[next[left]] = left;
                enqueue(queue, left, token, next);
            }
            if (prev[left] >= 0) {
                enqueue(queue, prev[left], token, next);
            }
            count--;
        }
        int[] result = new int[count];
        for (int i = 0, k = 0; i >= 0; i = next[i]) {
            result[k++] = token[i];
        }
        return result;
    }

    private void enqueue(PriorityQueue<Long> queue, int left, int[] token, int[] next) {
        Merge merge = merges.get(pair(token[left], token[next[left]]));
        if (merge != null) {
            queue.add((long) merge.rank() << 32 | left);
        }
    }

    private static long pair(int left, int right) {
        return (long) left << 32 | (right & 0xFFFFFFFFL);
    }

    @Override
    public String toString() {
        return "ByteLevelBpe[" + vocabSize() + " tokens, pre=" + preTokenizer.styleName() + ", "
                + merges.size() + " merges]";
    }
}
