package dev.moeplatform.engine.tokenizer;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.US_ASCII;

import com.knuddels.jtokkit.api.EncodingRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenAI's cl100k_base as a GGUF-style vocabulary, from the rank file jtokkit ships as a class-path resource
 * ({@code com/knuddels/jtokkit/cl100k_base.tiktoken}: one "base64(token bytes) rank" per line; jtokkit's own loader
 * is package-private). Token ids are the ranks, spelled in GPT-2's byte alphabet. tiktoken has no merge list: it
 * merges whichever adjacent pair makes the lowest-ranked token. The equivalent merge list has, in rank order, one
 * rule per multi-byte token: the two parts that BPE over the token's bytes, allowed only lower ranks, ends with.
 */
final class Cl100kVocabulary {

    static final String RESOURCE = "/com/knuddels/jtokkit/cl100k_base.tiktoken";
    static final Map<String, Integer> SPECIALS = Map.of("<|endoftext|>", 100257, "<|fim_prefix|>", 100258,
            "<|fim_middle|>", 100259, "<|fim_suffix|>", 100260, "<|endofprompt|>", 100276);
    private static final int SIZE = 100277;

    private static Vocabulary vocabulary;

    private Cl100kVocabulary() {
    }

    static synchronized Vocabulary get() {
        if (vocabulary == null) {
            vocabulary = build(readRanks());
        }
        return vocabulary;
    }

    /** The token bytes by rank; each byte a char of the string (ISO-8859-1), so strings can be map keys. */
    private static List<String> readRanks() {
        List<String> byRank = new ArrayList<>();
        try (InputStream in = EncodingRegistry.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the class path (jtokkit changed?)");
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, US_ASCII));
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                String[] fields = line.split(" ");
                int rank = Integer.parseInt(fields[1]);
                while (byRank.size() <= rank) {
                    byRank.add(null);
                }
                byRank.set(rank, new String(Base64.getDecoder().decode(fields[0]), ISO_8859_1));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return byRank;
    }

    private static Vocabulary build(List<String> byRank) {
        Map<String, Integer> rankOf = HashMap.newHashMap(byRank.size());
        for (int rank = 0; rank < byRank.size(); rank++) {
            if (byRank.get(rank) != null) {
                rankOf.put(byRank.get(rank), rank);
            }
        }
        String[] tokens = new String[SIZE];
        int[] types = new int[SIZE];
        Arrays.fill(types, Vocabulary.TYPE_UNUSED);
        List<String> merges = new ArrayList<>();
        for (int rank = 0; rank < byRank.size(); rank++) {
            String bytes = byRank.get(rank);
            if (bytes == null) {
                continue;
            }
            tokens[rank] = ByteAlphabet.encode(bytes.getBytes(ISO_8859_1));
            types[rank] = Vocabulary.TYPE_NORMAL;
            if (bytes.length() > 1) {
                List<String> parts = mergeBelow(bytes, rank, rankOf);
                if (parts.size() == 2) {
                    merges.add(ByteAlphabet.encode(parts.get(0).getBytes(ISO_8859_1)) + " "
                            + ByteAlphabet.encode(parts.get(1).getBytes(ISO_8859_1)));
                }
            }
        }
        SPECIALS.forEach((text, id) -> {
            tokens[id] = text;
            types[id] = Vocabulary.TYPE_CONTROL;
        });
        for (int id = 0; id < SIZE; id++) {
            if (tokens[id] == null) {
                tokens[id] = "<|unused_" + id + "|>";
            }
        }
        return new Vocabulary("gpt2", "cl100k", List.of(tokens), null, types, List.copyOf(merges), -1,
                SPECIALS.get("<|endoftext|>"), false, false, null);
    }

    /** tiktoken's BPE over {@code bytes}, using only tokens ranked below {@code maxRank}. */
    private static List<String> mergeBelow(String bytes, int maxRank, Map<String, Integer> rankOf) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < bytes.length(); i++) {
            parts.add(bytes.substring(i, i + 1));
        }
        while (parts.size() > 2) {
            int best = -1;
            int bestRank = maxRank;
            for (int i = 0; i + 1 < parts.size(); i++) {
                Integer rank = rankOf.get(parts.get(i) + parts.get(i + 1));
                if (rank != null && rank < bestRank) {
                    best = i;
                    bestRank = rank;
                }
            }
            if (best < 0) {
                break;
            }
            parts.set(best, parts.get(best) + parts.remove(best + 1));
        }
        return parts;
    }
}
