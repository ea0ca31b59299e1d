package dev.moeplatform.engine.tokenizer;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Vocabularies made here rather than read from a model: a small BPE trainer, and the default vocabularies synthetic
 * models use, trained on first use from {@code corpus.txt} (a few KB of text in several scripts, code and emoji).
 * Training is deterministic: the same corpus and settings give the same vocabulary, byte for byte, on every run.
 */
public final class Vocabularies {

    /** ChatML, as Qwen and many others use it. */
    public static final String CHATML_TEMPLATE = """
            {% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] \
            + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}\
            {% endif %}""";

    public static final int DEFAULT_BYTE_LEVEL_SIZE = 1536;
    public static final int DEFAULT_SENTENCE_PIECE_SIZE = 1280;
    public static final List<String> DEFAULT_SPECIAL_TOKENS = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>");

    private static final String CORPUS_RESOURCE = "corpus.txt";

    private Vocabularies() {
    }

    /**
     * Trains a byte-level BPE vocabulary ("gpt2" model). The corpus is split at the special tokens and by the
     * pre-tokenizer style; the alphabet is the 256 bytes (in GPT-2's byte-to-unicode spelling, ids 0-255 in byte
     * order), the merges follow in the order learnt, and the special tokens come last as control tokens.
     *
     * @param vocabSize the most tokens, specials included; fewer when the corpus has no more pairs occurring twice
     * @param pre the pre-tokenizer style ({@code tokenizer.ggml.pre}), e.g. "gpt-2", "llama-bpe", "qwen2"
     * @param bosToken the special token that begins a sequence, or null; not added by default ({@code addBos} false)
     * @param eosToken the special token that ends a sequence (or a turn), or null
     */
    public static Vocabulary trainByteLevelBpe(String corpus, int vocabSize, List<String> specialTokens, String pre,
            String chatTemplate, String bosToken, String eosToken) {
        PreTokenizer style = PreTokenizer.forName(pre);
        checkSize(vocabSize, 256 + specialTokens.size());
        List<String> alphabet = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            alphabet.add(String.valueOf(ByteAlphabet.charOf(b)));
        }
        BpeTrainer trainer = new BpeTrainer(alphabet);
        Map<String, Integer> pieceCounts = new LinkedHashMap<>();
        for (String fragment : splitAtSpecials(corpus, specialTokens)) {
            for (String piece : style.split(fragment)) {
                pieceCounts.merge(piece, 1, Integer::sum);
            }
        }
        pieceCounts.forEach((piece, count) -> {
            byte[] bytes = piece.getBytes(UTF_8);
            int[] word = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                word[i] = bytes[i] & 0xFF;
            }
            trainer.addWord(word, count);
        });
        trainer.train(vocabSize - specialTokens.size());

        List<String> tokens = new ArrayList<>(trainer.symbols());
        tokens.addAll(specialTokens);
        int[] types = new int[tokens.size()];
        Arrays.fill(types, Vocabulary.TYPE_NORMAL);
        Arrays.fill(types, trainer.symbols().size(), types.length, Vocabulary.TYPE_CONTROL);
        return new Vocabulary("gpt2", style.styleName(), List.copyOf(tokens), null, types,
                List.copyOf(trainer.merges()), idOf(tokens, bosToken), idOf(tokens, eosToken), false, false,
                chatTemplate);
    }

    /**
     * Trains a SentencePiece-style vocabulary ("llama" model), laid out as Llama's: {@code <unk>}, {@code <s>},
     * {@code </s>}, the 256 byte tokens {@code <0x00>}..{@code <0xFF>}, the characters of the corpus (control
     * characters such as newline excepted: they take the byte fallback), then the merged pieces. Spaces are
     * {@code ▁}; the text gets one in front as the tokenizer's dummy prefix does, and merges stay within a word (a
     * {@code ▁} begins a word). A merged piece scores minus the rank of the merge that made it, so earlier merges win.
     * BOS is added by default.
     */
    public static Vocabulary trainSentencePiece(String corpus, int vocabSize, String chatTemplate) {
        List<String> fixed = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        for (int b = 0; b < 256; b++) {
            fixed.add(SentencePieceBpe.byteToken(b));
        }
        String text = (" " + corpus).replace(' ', SentencePieceBpe.SPACE);
        List<String> words = new ArrayList<>();
        Matcher m = Pattern.compile(SentencePieceBpe.SPACE + "?[^\\s" + SentencePieceBpe.SPACE + "]+|"
                + SentencePieceBpe.SPACE).matcher(text);
        while (m.find()) {
            words.add(m.group());
        }
        List<String> alphabet = words.stream().flatMapToInt(String::codePoints).filter(c -> !Character.isISOControl(c))
                .distinct().sorted().mapToObj(Character::toString).toList();
        checkSize(vocabSize, fixed.size() + alphabet.size());

        BpeTrainer trainer = new BpeTrainer(alphabet);
        Map<String, Integer> index = new LinkedHashMap<>();
        for (int id = 0; id < alphabet.size(); id++) {
            index.put(alphabet.get(id), id);
        }
        words.stream().collect(Collectors.groupingBy(w -> w, LinkedHashMap::new, Collectors.counting()))
                .forEach((word, count) -> {
                    int[] symbols = word.codePoints().mapToObj(Character::toString).map(index::get)
                            .filter(Objects::nonNull).mapToInt(Integer::intValue).toArray();
                    trainer.addWord(symbols, Math.toIntExact(count));
                });
        trainer.train(vocabSize - fixed.size());

        List<String> tokens = new ArrayList<>(fixed);
        tokens.addAll(trainer.symbols());
        float[] scores = new float[tokens.size()];
        int[] types = new int[tokens.size()];
        Arrays.fill(types, Vocabulary.TYPE_NORMAL);
        types[0] = Vocabulary.TYPE_UNKNOWN;
        types[1] = Vocabulary.TYPE_CONTROL;
        types[2] = Vocabulary.TYPE_CONTROL;
        Arrays.fill(types, 3, 3 + 256, Vocabulary.TYPE_BYTE);
        List<Integer> made = trainer.mergeResults();
        for (int rank = made.size() - 1; rank >= 0; rank--) {
            scores[fixed.size() + made.get(rank)] = -rank; // a piece made twice keeps its first rank
        }
        return new Vocabulary("llama", "default", List.copyOf(tokens), scores, types, List.of(), 1, 2, true, false,
                chatTemplate);
    }

    /**
     * The byte-level vocabulary synthetic models use: {@value #DEFAULT_BYTE_LEVEL_SIZE} tokens at most, "qwen2"
     * pre-tokenizer, specials {@code <|endoftext|>} (BOS, not added), {@code <|im_start|>}, {@code <|im_end|>} (EOS),
     * ChatML template. Trained once per JVM; each call returns a fresh copy.
     */
    public static Vocabulary defaultByteLevel() {
        return copy(DefaultByteLevel.VOCABULARY);
    }

    /** The SentencePiece-style vocabulary for "llama" synthetic models, {@value #DEFAULT_SENTENCE_PIECE_SIZE} tokens at most. */
    public static Vocabulary defaultSentencePiece() {
        return copy(DefaultSentencePiece.VOCABULARY);
    }

    /** The text the default vocabularies are trained on. */
    public static String defaultCorpus() {
        try (InputStream in = Vocabularies.class.getResourceAsStream(CORPUS_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + CORPUS_RESOURCE + " is missing");
            }
            return new String(in.readAllBytes(), UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Trained on first use (class initialisation happens once per JVM and is thread-safe). */
    private static final class DefaultByteLevel {
        static final Vocabulary VOCABULARY = trainByteLevelBpe(defaultCorpus(), DEFAULT_BYTE_LEVEL_SIZE,
                DEFAULT_SPECIAL_TOKENS, "qwen2", CHATML_TEMPLATE, "<|endoftext|>", "<|im_end|>");
    }

    private static final class DefaultSentencePiece {
        static final Vocabulary VOCABULARY = trainSentencePiece(defaultCorpus(), DEFAULT_SENTENCE_PIECE_SIZE, null);
    }

    private static Vocabulary copy(Vocabulary v) {
        return new Vocabulary(v.model(), v.pre(), v.tokens(), v.scores() == null ? null : v.scores().clone(),
                v.tokenTypes().clone(), v.merges(), v.bosId(), v.eosId(), v.addBos(), v.addEos(), v.chatTemplate());
    }

    private static List<String> splitAtSpecials(String corpus, List<String> specialTokens) {
        if (specialTokens.isEmpty()) {
            return List.of(corpus);
        }
        String alternatives = specialTokens.stream().sorted(Comparator.comparingInt(String::length).reversed())
                .map(Pattern::quote).collect(Collectors.joining("|"));
        return Arrays.stream(corpus.split(alternatives)).filter(s -> !s.isEmpty()).toList();
    }

    private static int idOf(List<String> tokens, String token) {
        if (token == null) {
            return -1;
        }
        int id = tokens.lastIndexOf(token);
        if (id < 0) {
            throw new IllegalArgumentException("'" + token + "' is not one of the special tokens");
        }
        return id;
    }

    private static void checkSize(int vocabSize, int least) {
        if (vocabSize < least) {
            throw new IllegalArgumentException("a vocabulary size of " + vocabSize + " leaves no room: it needs at least "
                    + least + " tokens before any merge");
        }
    }

    /**
     * The vocabulary grown to {@code size} tokens with unused placeholders ({@code <|unused_N|>}, type unused, never
     * produced by the tokenizer): for synthetic models whose embedding and output matrices must have a real model's
     * row count.
     */
    public static Vocabulary paddedTo(Vocabulary v, int size) {
        if (size < v.size()) {
            throw new IllegalArgumentException("cannot pad a vocabulary of " + v.size() + " tokens to " + size);
        }
        List<String> tokens = new ArrayList<>(v.tokens());
        int[] types = Arrays.copyOf(v.tokenTypes(), size);
        float[] scores = v.scores() == null ? null : Arrays.copyOf(v.scores(), size);
        for (int id = v.size(); id < size; id++) {
            tokens.add("<|unused_" + id + "|>");
            types[id] = Vocabulary.TYPE_UNUSED;
            if (scores != null) {
                scores[id] = -1e9f;
            }
        }
        return new Vocabulary(v.model(), v.pre(), tokens, scores, types, v.merges(), v.bosId(), v.eosId(), v.addBos(),
                v.addEos(), v.chatTemplate());
    }
}
