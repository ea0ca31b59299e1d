package dev.moeplatform.engine.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The split a byte-level BPE tokenizer applies before merging, named as {@code tokenizer.ggml.pre} names it. Each
 * style is the published split regex of its model family; a style with several regexes applies them in turn, each one
 * splitting the pieces the previous left, and a piece keeps both what a regex matched and the gaps between matches.
 * All patterns use Unicode classes: {@code \s} is Unicode white space, {@code (?i)} folds case the Unicode way.
 */
enum PreTokenizer {

    /** GPT-2: case-sensitive contractions, a run of letters or digits with an optional leading space. */
    GPT2("gpt-2", false, Regex.GPT2),
    /** Llama 3, identical to cl100k: case-insensitive contractions, digits in groups of at most three. */
    LLAMA3("llama-bpe", true, Regex.CL100K),
    /** OpenAI's cl100k_base, for vocabularies converted from it. */
    CL100K("cl100k", true, Regex.CL100K),
    /** Qwen2: like Llama 3 but every digit on its own. */
    QWEN2("qwen2", false, Regex.QWEN2),
    /** DeepSeek LLM: line breaks, cased-script words, ASCII/full-width punctuation, trailing space, CJK, single digits. */
    DEEPSEEK_LLM("deepseek-llm", false, "[\r\n]", Regex.DEEPSEEK_CASED_WORD, "\\s?[!-/:-~！-／：-～‘-‟　-。]+", "\\s+\\z",
            "[一-龥ࠀ-一가-퟿]+", "\\p{N}"),
    /** DeepSeek V3: digits in groups of at most three, CJK and kana runs, then a cl100k-like split on the rest. */
    DEEPSEEK_V3("deepseek-v3", false, "\\p{N}{1,3}", "[一-龥぀-ゟ゠-ヿ]+", Regex.DEEPSEEK_V3);

    private final String name;
    private final boolean wholeWordsFirst;
    private final List<Pattern> stages;

    PreTokenizer(String name, boolean wholeWordsFirst, String... regexes) {
        this.name = name;
        this.wholeWordsFirst = wholeWordsFirst;
        this.stages = Arrays.stream(regexes).map(r -> Pattern.compile(r, Pattern.UNICODE_CHARACTER_CLASS)).toList();
    }

    /** The style for a {@code tokenizer.ggml.pre} value; null or empty means GPT-2's. */
    static PreTokenizer forName(String pre) {
        if (pre == null || pre.isEmpty() || pre.equals("default")) {
            return GPT2;
        }
        for (PreTokenizer style : values()) {
            if (style.name.equals(pre)) {
                return style;
            }
        }
        throw new IllegalArgumentException("unsupported pre-tokenizer '" + pre + "'; supported: " + names());
    }

    static List<String> names() {
        return Arrays.stream(values()).map(PreTokenizer::styleName).toList();
    }

    String styleName() {
        return name;
    }

    /**
     * Whether a piece that is itself a token is taken whole before merging (Llama 3's {@code ignore_merges}, also
     * what tiktoken does); other styles always merge from bytes.
     */
    boolean wholeWordsFirst() {
        return wholeWordsFirst;
    }

    /** The pieces of {@code text}, in order; together they are exactly the text. */
    List<String> split(String text) {
        List<String> pieces = List.of(text);
        for (Pattern stage : stages) {
            List<String> next = new ArrayList<>();
            for (String piece : pieces) {
                isolateMatches(stage.matcher(piece), piece, next);
            }
            pieces = next;
        }
        return pieces;
    }

    private static void isolateMatches(Matcher m, String piece, List<String> out) {
        int done = 0;
        while (m.find()) {
            if (m.start() > done) {
                out.add(piece.substring(done, m.start()));
            }
            if (m.end() > m.start()) {
                out.add(m.group());
            }
            done = m.end();
        }
        if (done < piece.length()) {
            out.add(piece.substring(done));
        }
    }

    /** Patterns shared by several styles (held apart because enum constants cannot read the enum's own statics). */
    private static final class Regex {
        static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
        static final String CL100K = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
                + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
        static final String QWEN2 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
                + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
        /**
         * Letters of the scripts that have case (Latin, Greek, Cyrillic, Armenian, Georgian, Cherokee, ...). Characters
         * that Unicode normalisation would change in this file (Greek Extended, Ohm and Kelvin signs) are escaped.
         */
        static final String DEEPSEEK_CASED_WORD = "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-Ֆ"
                + "Ⴀ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-\\x{1F7D}ᾀ-ᾴᾶ-ᾼ\\x{1FBE}ῂ-ῄῆ-ῌῐ-\\x{1FD3}ῖ-\\x{1FDB}ῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ\\x{2126}ℨ\\x{212A}-ℭℯ-ℴℹℼ-ℿ"
                + "ⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+";
        static final String DEEPSEEK_V3 = "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+"
                + "|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    }
}
