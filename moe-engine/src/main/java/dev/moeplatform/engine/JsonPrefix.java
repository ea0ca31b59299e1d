package dev.moeplatform.engine;

/**
 * A byte-level recogniser of JSON prefixes (RFC 8259) whose top-level value is an object: after each accepted byte
 * the bytes so far are the beginning of at least one valid JSON object text. Strings are checked as UTF-8 on their
 * bytes (a byte may leave a character unfinished; an invalid sequence, an overlong form or a surrogate is refused),
 * control characters inside strings must be escaped, numbers follow JSON's grammar, escapes include {@code \}uXXXX.
 *
 * <p>Limits that keep a degenerate model from wandering: at most {@value #MAX_DEPTH} nested containers, at most
 * {@value #MAX_WHITESPACE_RUN} whitespace bytes in a row, no whitespace after the top-level object is closed.
 *
 * <p>{@link #distance()} is the length in bytes of the shortest text that completes the value from here, which is
 * what steering towards a complete object before a token limit needs. Mutable, not thread-safe; {@link #copyFrom}
 * makes trying bytes without committing to them cheap (no allocation).
 */
public final class JsonPrefix {

    public static final int MAX_DEPTH = 64;
    public static final int MAX_WHITESPACE_RUN = 24;

    private static final int START = 0;          // before the top-level '{'
    private static final int OBJECT_FIRST = 1;   // after '{': a key or '}'
    private static final int OBJECT_KEY = 2;     // after ',' in an object: a key
    private static final int COLON = 3;          // after a key
    private static final int VALUE = 4;          // after ':' or ',' in an array: a value
    private static final int ARRAY_FIRST = 5;    // after '[': a value or ']'
    private static final int AFTER_VALUE = 6;    // ',' or the container's closer
    private static final int STRING = 7;
    private static final int ESCAPE = 8;         // after '\'
    private static final int HEX = 9;            // after backslash-u, aux = hex digits read
    private static final int UTF8 = 10;          // inside a multi-byte character, aux = bytes still missing
    private static final int MINUS = 11;         // '-'
    private static final int ZERO = 12;          // an integer part that is "0"
    private static final int INTEGER = 13;       // [1-9][0-9]*
    private static final int POINT = 14;         // '.' without a digit yet
    private static final int FRACTION = 15;
    private static final int EXPONENT_MARK = 16; // 'e' or 'E'
    private static final int EXPONENT_SIGN = 17; // 'e+' or 'e-'
    private static final int EXPONENT = 18;
    private static final int LITERAL = 19;       // true / false / null, aux = bytes read
    private static final int DONE = 20;

    private static final String[] LITERALS = {"true", "false", "null"};

    private int mode = START;
    private int depth;
    /** Bit i set: the container at depth i + 1 is an object (else an array). */
    private long objects;
    private boolean key;
    private int aux;
    private int literal;
    private int utf8Low = 0x80;
    private int utf8High = 0xBF;
    private int whitespaceRun;

    /** Feeds one byte; false (and the state unchanged) when it cannot continue a valid JSON object text. */
    public boolean accept(byte b) {
        int saveMode = mode;
        int saveDepth = depth;
        long saveObjects = objects;
        boolean saveKey = key;
        int saveAux = aux;
        int saveLiteral = literal;
        int saveLow = utf8Low;
        int saveHigh = utf8High;
        int saveRun = whitespaceRun;
        if (step(b & 0xFF)) {
            return true;
        }
        mode = saveMode;
        depth = saveDepth;
        objects = saveObjects;
        key = saveKey;
        aux = saveAux;
        literal = saveLiteral;
        utf8Low = saveLow;
        utf8High = saveHigh;
        whitespaceRun = saveRun;
        return false;
    }

    /**
     * Feeds bytes; whether all were accepted. Faster than byte by byte, but after a refusal the state is unspecified:
     * try a token's bytes on a {@link #copyFrom copy}.
     */
    public boolean accept(byte[] bytes) {
        for (byte b : bytes) {
            if (!step(b & 0xFF)) {
                return false;
            }
        }
        return true;
    }

    /** Whether the top-level object is closed: the text is a whole JSON object and nothing more may follow. */
    public boolean complete() {
        return mode == DONE;
    }

    /** Whether nothing has been accepted except whitespace. */
    public boolean started() {
        return mode != START;
    }

    /** The length in bytes of the shortest continuation that makes the text a complete JSON object. */
    public int distance() {
        int keyTail = key ? 2 : 0; // a key still needs ':' and a value ("0")
        return switch (mode) {
            case START -> 2;
            case OBJECT_FIRST, ARRAY_FIRST, AFTER_VALUE, ZERO, INTEGER, FRACTION, EXPONENT -> depth;
            case OBJECT_KEY -> 4 + depth; // "":0
            case COLON -> 2 + depth;
            case VALUE, MINUS, POINT, EXPONENT_MARK, EXPONENT_SIGN -> 1 + depth;
            case STRING -> 1 + keyTail + depth;
            case ESCAPE -> 2 + keyTail + depth;
            case HEX -> (4 - aux) + 1 + keyTail + depth;
            case UTF8 -> aux + 1 + keyTail + depth;
            case LITERAL -> LITERALS[literal].length() - aux + depth;
            case DONE -> 0;
            default -> throw new IllegalStateException("mode " + mode);
        };
    }

    /** Makes this state equal to {@code other}. */
    public void copyFrom(JsonPrefix other) {
        mode = other.mode;
        depth = other.depth;
        objects = other.objects;
        key = other.key;
        aux = other.aux;
        literal = other.literal;
        utf8Low = other.utf8Low;
        utf8High = other.utf8High;
        whitespaceRun = other.whitespaceRun;
    }

    /** Whether {@code text} (as UTF-8) is a valid prefix of a JSON object text. */
    public static boolean isValidPrefix(String text) {
        return new JsonPrefix().accept(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    // ---- transitions -------------------------------------------------------------------------------------------

    private boolean step(int c) {
        boolean space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
        switch (mode) {
            case STRING -> {
                return string(c);
            }
            case ESCAPE -> {
                if (c == 'u') {
                    mode = HEX;
                    aux = 0;
                    return true;
                }
                if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't') {
                    mode = STRING;
                    return true;
                }
                return false;
            }
            case HEX -> {
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
                    return false;
                }
                if (++aux == 4) {
                    mode = STRING;
                }
                return true;
            }
            case UTF8 -> {
                if (c < utf8Low || c > utf8High) {
                    return false;
                }
                utf8Low = 0x80;
                utf8High = 0xBF;
                if (--aux == 0) {
                    mode = STRING;
                }
                return true;
            }
            case LITERAL -> {
                String word = LITERALS[literal];
                if (c != word.charAt(aux)) {
                    return false;
                }
                if (++aux == word.length()) {
                    valueEnded();
                }
                return true;
            }
            case MINUS -> {
                if (c == '0') {
                    mode = ZERO;
                } else if (c >= '1' && c <= '9') {
                    mode = INTEGER;
                } else {
                    return false;
                }
                return true;
            }
            case ZERO, INTEGER, FRACTION -> {
                if (c >= '0' && c <= '9' && mode != ZERO) {
                    return true;
                }
                if (c == '.' && mode != FRACTION) {
                    mode = POINT;
                    return true;
                }
                if (c == 'e' || c == 'E') {
                    mode = EXPONENT_MARK;
                    return true;
                }
                valueEnded(); // the number ends here; the byte belongs to what follows it
                return structural(c, space);
            }
            case POINT -> {
                if (c >= '0' && c <= '9') {
                    mode = FRACTION;
                    return true;
                }
                return false;
            }
            case EXPONENT_MARK -> {
                if (c == '+' || c == '-') {
                    mode = EXPONENT_SIGN;
                    return true;
                }
                if (c >= '0' && c <= '9') {
                    mode = EXPONENT;
                    return true;
                }
                return false;
            }
            case EXPONENT_SIGN -> {
                if (c >= '0' && c <= '9') {
                    mode = EXPONENT;
                    return true;
                }
                return false;
            }
            case EXPONENT -> {
                if (c >= '0' && c <= '9') {
                    return true;
                }
                valueEnded();
                return structural(c, space);
            }
            default -> {
                return structural(c, space);
            }
        }
    }

    /** A byte between tokens of JSON's grammar: whitespace, punctuation, or the start of a value. */
    private boolean structural(int c, boolean space) {
        if (space) {
            if (mode == DONE || whitespaceRun >= MAX_WHITESPACE_RUN) {
                return false;
            }
            whitespaceRun++;
            return true;
        }
        whitespaceRun = 0;
        switch (mode) {
            case START -> {
                return c == '{' && open(true);
            }
            case OBJECT_FIRST -> {
                if (c == '}') {
                    close();
                    return true;
                }
                return c == '"' && startString(true);
            }
            case OBJECT_KEY -> {
                return c == '"' && startString(true);
            }
            case COLON -> {
                if (c == ':') {
                    mode = VALUE;
                    return true;
                }
                return false;
            }
            case VALUE -> {
                return valueStart(c);
            }
            case ARRAY_FIRST -> {
                if (c == ']') {
                    close();
                    return true;
                }
                return valueStart(c);
            }
            case AFTER_VALUE -> {
                boolean inObject = inObject();
                if (c == ',') {
                    mode = inObject ? OBJECT_KEY : VALUE;
                    return true;
                }
                if (c == (inObject ? '}' : ']')) {
                    close();
                    return true;
                }
                return false;
            }
            default -> {
                return false; // DONE
            }
        }
    }

    private boolean valueStart(int c) {
        switch (c) {
            case '{' -> {
                return open(true);
            }
            case '[' -> {
                return open(false);
            }
            case '"' -> {
                return startString(false);
            }
            case '-' -> mode = MINUS;
            case '0' -> mode = ZERO;
            case 't', 'f', 'n' -> {
                mode = LITERAL;
                literal = c == 't' ? 0 : c == 'f' ? 1 : 2;
                aux = 1;
            }
            default -> {
                if (c >= '1' && c <= '9') {
                    mode = INTEGER;
                } else {
                    return false;
                }
            }
        }
        return true;
    }

    private boolean string(int c) {
        if (c == '"') {
            if (key) {
                key = false;
                mode = COLON;
            } else {
                valueEnded();
            }
            return true;
        }
        if (c == '\\') {
            mode = ESCAPE;
            return true;
        }
        if (c < 0x20) {
            return false; // control characters must be escaped
        }
        if (c < 0x80) {
            return true;
        }
        // The lead byte of a multi-byte character: how many continuation bytes, and the range of the first one
        // (which rules out overlong forms, surrogates and code points above U+10FFFF).
        if (c >= 0xC2 && c <= 0xDF) {
            expect(1, 0x80, 0xBF);
        } else if (c == 0xE0) {
            expect(2, 0xA0, 0xBF);
        } else if (c == 0xED) {
            expect(2, 0x80, 0x9F);
        } else if (c >= 0xE1 && c <= 0xEF) {
            expect(2, 0x80, 0xBF);
        } else if (c == 0xF0) {
            expect(3, 0x90, 0xBF);
        } else if (c >= 0xF1 && c <= 0xF3) {
            expect(3, 0x80, 0xBF);
        } else if (c == 0xF4) {
            expect(3, 0x80, 0x8F);
        } else {
            return false;
        }
        return true;
    }

    private void expect(int continuation, int low, int high) {
        mode = UTF8;
        aux = continuation;
        utf8Low = low;
        utf8High = high;
    }

    private boolean startString(boolean isKey) {
        mode = STRING;
        key = isKey;
        return true;
    }

    private boolean open(boolean object) {
        if (depth == MAX_DEPTH) {
            return false;
        }
        if (object) {
            objects |= 1L << depth;
        } else {
            objects &= ~(1L << depth);
        }
        depth++;
        mode = object ? OBJECT_FIRST : ARRAY_FIRST;
        return true;
    }

    private void close() {
        depth--;
        mode = depth == 0 ? DONE : AFTER_VALUE;
    }

    private boolean inObject() {
        return (objects & (1L << (depth - 1))) != 0;
    }

    private void valueEnded() {
        mode = AFTER_VALUE; // every value sits in a container: the top level is an object
    }
}
