package dev.moeplatform.engine.tokenizer;

/**
 * GPT-2's reversible byte-to-unicode alphabet: byte-level BPE vocabularies spell every byte as one printable character.
 * Printable Latin-1 bytes stand for themselves; the other 68 bytes (controls, space, DEL, NBSP, soft hyphen) take the
 * characters U+0100, U+0101, ... in byte order, so a space is written 'Ġ' and a newline 'Ċ'.
 */
final class ByteAlphabet {

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = (char) (printable ? b : next++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteAlphabet() {
    }

    static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte a character of the alphabet stands for, or -1 if it is not one of the 256. */
    static int byteOf(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    static String encode(byte[] bytes) {
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            chars[i] = charOf(bytes[i]);
        }
        return new String(chars);
    }

    /** The bytes a token spells, or null if it has a character outside the alphabet. */
    static byte[] decode(String token) {
        byte[] bytes = new byte[token.length()];
        for (int i = 0; i < bytes.length; i++) {
            int b = byteOf(token.charAt(i));
            if (b < 0) {
                return null;
            }
            bytes[i] = (byte) b;
        }
        return bytes;
    }
}
