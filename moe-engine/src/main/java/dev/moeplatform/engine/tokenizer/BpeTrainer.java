package dev.moeplatform.engine.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Learns BPE merges from word counts: each round the most frequent pair of adjacent symbols becomes a new symbol,
 * until the vocabulary is full or no pair occurs twice. Ties go to the pair whose left, then right, symbol is older,
 * so the same words give the same merges on every run. Pair counts are kept up to date word by word, so a round costs
 * a scan of the pair counts plus the words that hold the merged pair, not a pass over the corpus.
 */
final class BpeTrainer {

    private final List<String> symbols;
    private final Map<String, Integer> symbolIds = new HashMap<>();
    private final List<String> merges = new ArrayList<>();
    private final List<Integer> mergeResults = new ArrayList<>();

    private final List<int[]> words = new ArrayList<>();
    private final List<Integer> wordCounts = new ArrayList<>();
    private final Map<Long, Long> pairCounts = new HashMap<>();
    private final Map<Long, Set<Integer>> pairWords = new HashMap<>();

    /** @param alphabet the initial symbols, ids in list order */
    BpeTrainer(List<String> alphabet) {
        symbols = new ArrayList<>(alphabet);
        for (int id = 0; id < symbols.size(); id++) {
            symbolIds.put(symbols.get(id), id);
        }
    }

    /** Adds a word (symbol ids of the alphabet) seen {@code count} times. */
    void addWord(int[] word, int count) {
        int index = words.size();
        words.add(word);
        wordCounts.add(count);
        countPairs(index, +1);
    }

    /** Merges until there are {@code maxSymbols} symbols or no pair occurs more than once. */
    void train(int maxSymbols) {
        while (symbols.size() < maxSymbols) {
            long best = -1;
            long bestCount = 1;
            for (Map.Entry<Long, Long> e : pairCounts.entrySet()) {
                long count = e.getValue();
                if (count > bestCount || (count == bestCount && best >= 0 && e.getKey() < best)) {
                    best = e.getKey();
                    bestCount = count;
                }
            }
            if (best < 0) {
                return;
            }
            merge(best);
        }
    }

    List<String> symbols() {
        return symbols;
    }

    /** The merges in the order learnt, as "left right". */
    List<String> merges() {
        return merges;
    }

    /** The symbol each merge made, in the order learnt. */
    List<Integer> mergeResults() {
        return mergeResults;
    }

    private void merge(long pair) {
        int left = (int) (pair >>> 32);
        int right = (int) pair;
        String text = symbols.get(left) + symbols.get(right);
        Integer known = symbolIds.get(text);
        int result = known != null ? known : symbols.size();
        if (known == null) {
            symbols.add(text);
            symbolIds.put(text, result);
        }
        merges.add(symbols.get(left) + " " + symbols.get(right));
        mergeResults.add(result);
        for (int index : List.copyOf(pairWords.getOrDefault(pair, Set.of()))) {
            countPairs(index, -1);
            words.set(index, replace(words.get(index), left, right, result));
            countPairs(index, +1);
        }
    }

    /** The word with every non-overlapping (left, right), read from the left, replaced by {@code result}. */
    private static int[] replace(int[] word, int left, int right, int result) {
        int[] out = new int[word.length];
        int n = 0;
        for (int i = 0; i < word.length; i++) {
            if (i + 1 < word.length && word[i] == left && word[i + 1] == right) {
                out[n++] = result;
                i++;
            } else {
                out[n++] = word[i];
            }
        }
        return Arrays.copyOf(out, n);
    }

    private void countPairs(int index, int sign) {
        int[] word = words.get(index);
        long count = (long) sign * wordCounts.get(index);
        for (int i = 0; i + 1 < word.length; i++) {
            long pair = (long) word[i] << 32 | word[i + 1];
            long total = pairCounts.merge(pair, count, Long::sum);
            if (total == 0) {
                pairCounts.remove(pair);
                pairWords.remove(pair);
            } else if (sign > 0) {
                pairWords.computeIfAbsent(pair, p -> new HashSet<>()).add(index);
            }
        }
    }
}
