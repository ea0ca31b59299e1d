package dev.moeplatform.engine.tokenizer;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.stream.IntStream;

/**
 * Turns text into token ids and back for a {@link Vocabulary}, the way the model it came with was trained to read.
 * Instances are immutable and safe to share between threads; {@link StreamingDecoder}s are not.
 */
public abstract sealed class Tokenizer permits ByteLevelBpe, SentencePieceBpe {

    private static final byte[] NOTHING = {};
    private static final byte[] REPLACEMENT = "\uFFFD".getBytes(UTF_8);

    final Vocabulary vocabulary;
    private final Map<String, Integer> ids;
    /** Control and user-defined tokens by their first character, longest first, for finding them in text. */
    private final Map<Character, List<Integer>> specialsByFirstChar = new HashMap<>();

    Tokenizer(Vocabulary vocabulary) {
        this.vocabulary = vocabulary;
        List<String> tokens = vocabulary.tokens();
        if (vocabulary.tokenTypes() != null && vocabulary.tokenTypes().length != tokens.size()) {
            throw new IllegalArgumentException("vocabulary has " + tokens.size() + " tokens but "
                    + vocabulary.tokenTypes().length + " token types");
        }
        ids = HashMap.newHashMap(tokens.size());
        for (int id = 0; id < tokens.size(); id++) {
            ids.putIfAbsent(tokens.get(id), id);
            int type = type(id);
            if ((type == Vocabulary.TYPE_CONTROL || type == Vocabulary.TYPE_USER_DEFINED) && !tokens.get(id).isEmpty()) {
                specialsByFirstChar.computeIfAbsent(tokens.get(id).charAt(0), c -> new ArrayList<>()).add(id);
            }
        }
        Comparator<Integer> longestFirst = Comparator.comparingInt(id -> -tokens.get(id).length());
        specialsByFirstChar.values().forEach(list -> list.sort(longestFirst.thenComparing(id -> id)));
    }

    /**
     * The tokenizer {@code vocabulary.model()} calls for: "gpt2" (byte-level BPE) or "llama" (SentencePiece-style
     * BPE).
     */
    public static Tokenizer of(Vocabulary vocabulary) {
        Objects.requireNonNull(vocabulary, "vocabulary");
        return switch (String.valueOf(vocabulary.model())) {
            case "gpt2" -> new ByteLevelBpe(vocabulary);
            case "llama" -> new SentencePieceBpe(vocabulary);
            default -> throw new IllegalArgumentException("unsupported tokenizer model '" + vocabulary.model()
                    + "'; supported: gpt2 (byte-level BPE), llama (SentencePiece-style BPE)");
        };
    }

    /**
     * The token ids of {@code text}.
     *
     * @param addSpecial add BOS in front and EOS at the end where the vocabulary says so ({@code addBos}/{@code addEos})
     * @param parseSpecial take control and user-defined tokens written in the text (e.g. {@code <|im_start|>}) as
     *     those tokens; otherwise they are plain text and get split like any other
     */
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        Objects.requireNonNull(text, "text");
        IntStream.Builder out = IntStream.builder();
        if (addSpecial && vocabulary.addBos() && bosId() >= 0) {
            out.add(bosId());
        }
        int plainFrom = 0;
        for (int i = 0; parseSpecial && i < text.length(); ) {
            int special = specialAt(text, i);
            if (special < 0) {
                i++;
                continue;
            }
            if (i > plainFrom) {
                encodePlain(text.substring(plainFrom, i), out);
            }
            out.add(special);
            i += tokenText(special).length();
            plainFrom = i;
        }
        if (plainFrom < text.length()) {
            encodePlain(text.substring(plainFrom), out);
        }
        if (addSpecial && vocabulary.addEos() && eosId() >= 0) {
            out.add(eosId());
        }
        return out.build().toArray();
    }

    /** The text of {@code ids}; control tokens are left out, invalid UTF-8 becomes U+FFFD. */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /** The text of {@code ids}; {@code renderSpecial} writes control tokens as their text too. */
    public String decode(int[] ids, boolean renderSpecial) {
        StreamingDecoder decoder = streamingDecoder(renderSpecial);
        StringBuilder text = new StringBuilder();
        for (int id : ids) {
            text.append(decoder.next(id));
        }
        return text.append(decoder.finish()).toString();
    }

    /** A decoder for tokens arriving one at a time, that never splits a character. */
    public StreamingDecoder streamingDecoder() {
        return streamingDecoder(false);
    }

    public StreamingDecoder streamingDecoder(boolean renderSpecial) {
        return new StreamingDecoder(this, renderSpecial);
    }

    public int bosId() {
        return vocabulary.bosId();
    }

    public int eosId() {
        return vocabulary.eosId();
    }

    public int vocabSize() {
        return vocabulary.size();
    }

    /** The token as the vocabulary stores it (byte-level BPE: in GPT-2's byte alphabet, e.g. "Ġthe"). */
    public String tokenText(int id) {
        return vocabulary.tokens().get(checkId(id));
    }

    /**
     * The bytes token {@code id} adds to decoded text on its own (a byte token: one byte, possibly part of a
     * character); empty for control and unused tokens.
     */
    public byte[] tokenBytes(int id) {
        return piece(id, false).clone();
    }

    public boolean isControl(int id) {
        return type(checkId(id)) == Vocabulary.TYPE_CONTROL;
    }

    /** The id of a token as the vocabulary stores it, if there is one. */
    public OptionalInt tokenId(String piece) {
        Integer id = ids.get(piece);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** Encodes a stretch of text between special tokens (or the whole text when none are parsed). */
    abstract void encodePlain(String text, IntStream.Builder out);

    /** The bytes a normal or byte token stands for. */
    abstract byte[] normalPiece(int id);

    /** Whether decoding drops the space that encoding put in front of a text segment (SentencePiece's prefix). */
    abstract boolean stripsSegmentPrefix();

    /** The bytes token {@code id} renders as; control tokens only when asked, unknown ones as U+FFFD. */
    final byte[] piece(int id, boolean renderSpecial) {
        return switch (type(checkId(id))) {
            case Vocabulary.TYPE_CONTROL, Vocabulary.TYPE_UNUSED -> renderSpecial ? tokenText(id).getBytes(UTF_8) : NOTHING;
            case Vocabulary.TYPE_UNKNOWN -> renderSpecial ? tokenText(id).getBytes(UTF_8) : REPLACEMENT;
            case Vocabulary.TYPE_USER_DEFINED -> tokenText(id).getBytes(UTF_8);
            default -> normalPiece(id);
        };
    }

    /** Whether the token ends a text segment the way a special token found by {@code parseSpecial} does. */
    final boolean endsSegment(int id) {
        int type = type(id);
        return type == Vocabulary.TYPE_CONTROL || type == Vocabulary.TYPE_USER_DEFINED;
    }

    final int type(int id) {
        return vocabulary.tokenTypes() == null ? Vocabulary.TYPE_NORMAL : vocabulary.tokenTypes()[id];
    }

    /** The id of a normal token with this text, or -1: what merging may produce. */
    final int normalId(String piece) {
        Integer id = ids.get(piece);
        return id != null && type(id) <= Vocabulary.TYPE_NORMAL ? id : -1;
    }

    final int checkId(int id) {
        if (id < 0 || id >= vocabulary.size()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of "
                    + vocabulary.size() + " tokens");
        }
        return id;
    }

    private int specialAt(String text, int index) {
        List<Integer> candidates = specialsByFirstChar.get(text.charAt(index));
        if (candidates != null) {
            for (int id : candidates) {
                if (text.startsWith(tokenText(id), index)) {
                    return id;
                }
            }
        }
        return -1;
    }
}
