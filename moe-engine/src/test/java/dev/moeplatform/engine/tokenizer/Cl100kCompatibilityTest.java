package dev.moeplatform.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Our byte-level BPE, given cl100k_base converted to merges, must tokenize exactly as jtokkit (tiktoken) does. */
class Cl100kCompatibilityTest {

    private static Tokenizer tokenizer;
    private static Encoding jtokkit;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.of(Cl100kVocabulary.get());
        jtokkit = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
    }

    static Stream<String> samples() {
        return Stream.of(
                "The quick brown fox jumps over the lazy dog. It was the best of times; it was the worst of times.",
                "In 1969, 600 million people watched; by 2024 the archive held 12,345,678.90 hours of footage.",
                "3.14159265358979323846264338327950288419716939937510 and 0x7FFFFFFF and 1e-9 and 00000000001",
                "Phone: +1 (555) 010-9999, ISBN 978-3-16-148410-0, IBAN DE89370400440532013000",
                "public static void main(String[] args) {\n    System.out.println(\"Hello, \" + args[0]);\n}\n",
                "def f(x):\n\tif x <= 0:\n\t\treturn None\n\treturn {k: v for k, v in zip(x, x[1:])}  # pairs\n",
                "<div class=\"a\">&nbsp;&amp;</div>\r\n<script>let s = `${a}${b}`;</script>",
                "SELECT id, name FROM users WHERE email LIKE '%@example.com' ORDER BY id DESC LIMIT 10;",
                "   leading spaces, trailing spaces   ",
                "many     spaces\n\n\n\nblank lines\r\n\r\nwindows line ends\t\ttabs \t mixed \n \n",
                "\n", " ", "  ", "\t", "\u00A0non-breaking\u00A0space\u2003em space\u3000ideographic space",
                "I'm, you're, he's, we've, they'll, she'd, it's, don't, can't, won't",
                "I'M, YOU'RE, HE'S, WE'VE, THEY'LL, SHE'D, DON'T; I'm vs I'M vs i'M vs I'Ll vs We'Re vs 'S 'T",
                "rock 'n' roll, ''quoted'', 'tis, o'clock, y'all're, l'été, dell'anno",
                "灯塔看守人每天晚上都会在日志里写一段简短的记录。東京は日本の首都です。한국어 문장도 있습니다.",
                "كان حارس المنارة يكتب كل مساء ملاحظة قصيرة في دفتره. ١٢٣٤٥٦٧٨٩٠",
                "प्रकाशस्तंभ का रखवाला हर शाम अपनी डायरी में नोट लिखता था। १२३४५",
                "Смотритель маяка каждый вечер писал короткую заметку. ЁЖИК в тумане, ёжик!",
                "Ο φύλακας του φάρου έγραφε κάθε βράδυ. ภาษาไทย ไม่มีช่องว่าง. עברית מימין לשמאל.",
                "Emoji: 😀😃😄 👍 👍🏻👍🏼👍🏽👍🏾👍🏿 👨‍👩‍👧‍👦 👩🏽‍💻 🏳️‍🌈 🇩🇪🇯🇵 ❤️ ☕ 🧑‍🤝‍🧑 1️⃣ #️⃣",
                "Mixed: naïve café coöperate Ærøskøbing straße İstanbul ǅemal ﬁnance ＦＵＬＬＷＩＤＴＨ ½ ² ℃",
                "Combining: e\u0301 a\u0308 n\u0303 Z\u0335\u0321a\u0336l\u0337g\u0338o",
                "Math: ∀x∈ℝ, ∃y: x² + y² ≤ 1 ⇒ |x| ≤ 1; ∑_{i=1}^{n} i = n(n+1)/2 ≈ ∞?",
                "!!!???...,,,;;;:::---___===+++***&&&^^^%%%$$$###@@@~~~```|||\\\\\\///",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "1234567890123456789012345678901234567890",
                "https://example.com/path/to/page?query=value&other=1#fragment and mailto:someone@example.org");
    }

    @ParameterizedTest
    @MethodSource("samples")
    void encodesLikeJtokkit(String text) {
        int[] ids = tokenizer.encode(text, false, false);
        assertThat(ids).containsExactly(jtokkit.encode(text).toArray());
        assertThat(tokenizer.decode(ids)).isEqualTo(text);
    }

    @Test
    void encodesTheCorpusLikeJtokkit() {
        for (String line : Vocabularies.defaultCorpus().split("(?<=\n)")) {
            assertThat(tokenizer.encode(line, false, false)).as(line).containsExactly(jtokkit.encode(line).toArray());
        }
        String whole = Vocabularies.defaultCorpus();
        assertThat(tokenizer.encode(whole, false, false)).containsExactly(jtokkit.encode(whole).toArray());
    }

    @Test
    void encodesRandomMixturesLikeJtokkit() {
        List<String> atoms = List.of("a", "Z", "é", "ß", "'s", "'T", "'re", "'LL", " ", "  ", "\n", "\r\n", "\t", "0",
                "42", "7777", ".", ",", "!?", "(", "\"", "中", "文", "й", "ا", "क्ष", "😀", "👍🏽", "‍", "\u00A0", "_",
                "ſ", "İ", "\u0301");
        Random random = new Random(20240519);
        for (int round = 0; round < 2000; round++) {
            StringBuilder text = new StringBuilder();
            for (int n = random.nextInt(1, 25); n > 0; n--) {
                text.append(atoms.get(random.nextInt(atoms.size())));
            }
            String s = text.toString();
            assertThat(tokenizer.encode(s, false, false)).as("%s", s.codePoints().mapToObj(Integer::toHexString).toList())
                    .containsExactly(jtokkit.encode(s).toArray());
        }
    }

    @Test
    void handlesLongUnbrokenPieces() {
        StringBuilder base64ish = new StringBuilder();
        Random random = new Random(7);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        for (int i = 0; i < 50_000; i++) {
            base64ish.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        String text = base64ish.toString();
        int[] ids = tokenizer.encode(text, false, false);
        assertThat(ids).containsExactly(jtokkit.encode(text).toArray());
    }

    @Test
    void everyMultiByteTokenHasItsMerge() {
        Vocabulary cl100k = Cl100kVocabulary.get();
        assertThat(cl100k.merges()).hasSize(100_256 - 256);
        assertThat(cl100k.tokens().get(1)).isEqualTo("\"");
        assertThat(cl100k.tokens().get(220)).isEqualTo("Ġ"); // the space, in GPT-2's byte alphabet
    }

    @Test
    void specialTokensSitAtTheirCl100kIds() {
        assertThat(tokenizer.encode("<|endoftext|>hi<|fim_prefix|><|endofprompt|>", false, true))
                .containsExactly(100257, 6151, 100258, 100276);
        assertThat(tokenizer.encode("<|endoftext|>", false, false))
                .containsExactly(jtokkit.encodeOrdinary("<|endoftext|>").toArray());
        assertThat(tokenizer.eosId()).isEqualTo(100257);
        assertThat(tokenizer.vocabSize()).isEqualTo(100277);
    }
}
