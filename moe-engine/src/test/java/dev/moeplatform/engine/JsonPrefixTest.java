package dev.moeplatform.engine;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class JsonPrefixTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @ParameterizedTest
    @ValueSource(strings = {
        "", "  ", "{", " {\n", "{}", "{\"", "{\"a", "{\"a\"", "{\"a\" :", "{\"a\": 1", "{\"a\": -", "{\"a\": -0.",
        "{\"a\": 1e", "{\"a\": 1E+", "{\"a\": 12.5e-3", "{\"a\":0,", "{\"a\":[", "{\"a\":[]", "{\"a\":[1,2,[{}]",
        "{\"a\":t", "{\"a\":tru", "{\"a\":true", "{\"a\":fals", "{\"a\":null}", "{\"a\":\"\\", "{\"a\":\"\\u",
        "{\"a\":\"\\u00e", "{\"a\":\"\\uD83D\\uDE00\"", "{\"a\":\"\\n\\t\\\"\\\\\\/\\b\\f\\r\"",
        "{\"grüße\":\"東京 🌸\"}", "{\"a\":{\"b\":{\"c\":[true,false,null]}}}"})
    void acceptsValidPrefixes(String text) {
        assertThat(JsonPrefix.isValidPrefix(text)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "[", "\"a\"", "1", "true", "x", "{,", "{\"a\":}", "{\"a\" 1", "{\"a\":01", "{\"a\":1.}", "{\"a\":1.e",
        "{\"a\":-}", "{\"a\":+1", "{\"a\":.5", "{\"a\":1e}", "{\"a\":tx", "{\"a\":True", "{\"a\":\"\\x",
        "{\"a\":\"\\u12g", "{\"a\":\"\t\"", "{\"a\":\"\n", "{\"a\":[1,]", "{\"a\":1,}", "{\"a\":[}", "{\"a\"]",
        "{}x", "{} ", "{}{", "{\"a\":1}}", "{1:2}", "{'a':1}", "{\"a\":NaN", "{\"a\":Infinity"})
    void refusesInvalidPrefixes(String text) {
        assertThat(JsonPrefix.isValidPrefix(text)).isFalse();
    }

    @Test
    void checksUtf8OnBytesAndAllowsAnUnfinishedCharacterOnlyInsideStrings() {
        byte[] tokyo = "東".getBytes(UTF_8); // E6 9D B1
        JsonPrefix prefix = new JsonPrefix();
        assertThat(prefix.accept("{\"k\":\"".getBytes(UTF_8))).isTrue();
        assertThat(prefix.accept(tokyo[0])).isTrue();
        assertThat(prefix.accept((byte) '"')).as("a quote cannot interrupt a character").isFalse();
        assertThat(prefix.accept(tokyo[1])).isTrue();
        assertThat(prefix.distance()).as("one byte, the quote and the brace").isEqualTo(3);
        assertThat(prefix.accept(tokyo[2])).isTrue();
        assertThat(prefix.accept("\"}".getBytes(UTF_8))).isTrue();
        assertThat(prefix.complete()).isTrue();

        assertThat(bytesValid("{\"k\":\"", 0xC0, 0x80)).as("overlong").isFalse();
        assertThat(bytesValid("{\"k\":\"", 0xED, 0xA0, 0x80)).as("surrogate").isFalse();
        assertThat(bytesValid("{\"k\":\"", 0xF4, 0x90)).as("above U+10FFFF").isFalse();
        assertThat(bytesValid("{\"k\":\"", 0x80)).as("lone continuation").isFalse();
        assertThat(bytesValid("{\"k\":\"", 0xF0, 0x9F, 0x8C)).as("unfinished emoji").isTrue();
        assertThat(bytesValid("{\"k\":", 0xC3)).as("outside a string").isFalse();
    }

    @Test
    void distanceIsTheShortestCompletion() {
        for (String text : List.of("", "{", "{\"", "{\"ab", "{\"a\"", "{\"a\":", "{\"a\":-", "{\"a\":[[", "{\"a\":[1,",
                "{\"a\":{\"b\":\"\\u0", "{\"a\":fa", "{\"a\":1.", "{\"a\":2e-", "{\"a\":{},", "{\"a\":\"x\\")) {
            JsonPrefix prefix = new JsonPrefix();
            assertThat(prefix.accept(text.getBytes(UTF_8))).as(text).isTrue();
            String completion = shortestCompletion(prefix);
            assertThat(completion).as("completion of %s", text).hasSize(prefix.distance());
            String whole = text + completion;
            assertThat(JSON.readTree(whole).isObject()).as(whole).isTrue();
        }
    }

    @Test
    void limitsDepthAndWhitespace() {
        JsonPrefix deep = new JsonPrefix();
        assertThat(deep.accept("{\"a\":".getBytes(UTF_8))).isTrue();
        for (int i = 1; i < JsonPrefix.MAX_DEPTH; i++) {
            assertThat(deep.accept((byte) '[')).isTrue();
        }
        assertThat(deep.accept((byte) '[')).isFalse();

        assertThat(JsonPrefix.isValidPrefix("{" + " ".repeat(JsonPrefix.MAX_WHITESPACE_RUN))).isTrue();
        assertThat(JsonPrefix.isValidPrefix("{" + " ".repeat(JsonPrefix.MAX_WHITESPACE_RUN + 1))).isFalse();
        assertThat(JsonPrefix.isValidPrefix("{\"a\":\"" + " ".repeat(100))).as("inside strings").isTrue();
    }

    /** Breadth-first search over printable ASCII for the shortest bytes that complete the object. */
    private static String shortestCompletion(JsonPrefix from) {
        record Node(JsonPrefix state, String text) {
        }
        java.util.ArrayDeque<Node> queue = new java.util.ArrayDeque<>();
        queue.add(new Node(from, ""));
        String alphabet = "{}[]:,\"0123456789.-+eEtrufalsn\\";
        while (!queue.isEmpty()) {
            Node node = queue.poll();
            if (node.state().complete()) {
                return node.text();
            }
            if (node.text().length() > 12) {
                continue;
            }
            for (char c : alphabet.toCharArray()) {
                JsonPrefix next = new JsonPrefix();
                next.copyFrom(node.state());
                if (next.accept((byte) c) && next.distance() < node.state().distance()) {
                    queue.add(new Node(next, node.text() + c));
                }
            }
        }
        throw new AssertionError("no completion found");
    }

    private static boolean bytesValid(String start, int... bytes) {
        JsonPrefix prefix = new JsonPrefix();
        prefix.accept(start.getBytes(UTF_8));
        for (int b : bytes) {
            if (!prefix.accept((byte) b)) {
                return false;
            }
        }
        return true;
    }
}
