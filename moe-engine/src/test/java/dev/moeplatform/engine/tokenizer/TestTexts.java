package dev.moeplatform.engine.tokenizer;

import java.util.List;

/** Texts both tokenizer kinds must round-trip. */
final class TestTexts {

    static final String MIXED = "Grüße aus Köln 👋🏽 — 東京で会いましょう! नमस्ते 👨‍👩‍👧‍👦 مرحبا Привет 🇯🇵 ❤️ 12,345.67";

    static final List<String> ROUND_TRIP = List.of(
            "The lighthouse keeper wrote a note every evening.",
            "It's, IT'S, we'll, They'VE — contractions in any case.",
            "Numbers: 3.14159265358979, 1,284,903 and 0x7FFF; phone +44 20 7946 0958.",
            "   leading and trailing spaces   ",
            "lines\n\nwith\r\nbreaks\tand\ttabs\n",
            "Der Leuchtturmwärter schrieb: „Wind aus Westen.“ Ça va? ¿Qué pasó? Ærø",
            "Смотритель маяка каждый вечер писал заметку. Ο φύλακας του φάρου.",
            "灯塔看守人每天晚上都会写记录。灯台守は毎晩メモを書きました。등대지기는 메모를 썼습니다.",
            "كان حارس المنارة يكتب كل مساء. प्रकाशस्तंभ का रखवाला हर शाम लिखता था। שלום",
            "Emoji: 😀 👍🏻👍🏿 👨‍👩‍👧‍👦 👩🏽‍💻 🏳️‍🌈 🇬🇧 1️⃣ and rare ones: 🦩🪼 𓀀 𝄞",
            "for (int i = 0; i < n; i++) { sum += values[i]; } // code",
            MIXED,
            " ",
            "x");

    private TestTexts() {
    }

    static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return true;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }
}
