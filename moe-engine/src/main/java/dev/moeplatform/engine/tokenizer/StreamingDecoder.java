package dev.moeplatform.engine.tokenizer;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.util.Arrays;

/**
 * Decodes tokens as they are generated. A token may end inside a character (byte-level and byte-fallback tokens carry
 * single bytes), so {@link #next} returns only whole characters and holds the bytes of an unfinished one back until
 * the tokens that complete it arrive; bytes that can never become a character are U+FFFD at once. The concatenated
 * results of {@link #next} and {@link #finish} equal {@link Tokenizer#decode} of the same ids. Not thread-safe.
 */
public final class StreamingDecoder {

    private final Tokenizer tokenizer;
    private final boolean renderSpecial;
    private final CharsetDecoder utf8 = UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private byte[] held = new byte[16];
    private int heldLength;
    private boolean segmentStart = true;

    StreamingDecoder(Tokenizer tokenizer, boolean renderSpecial) {
        this.tokenizer = tokenizer;
        this.renderSpecial = renderSpecial;
    }

    /** The text that token {@code id} completes: possibly empty, never part of a character. */
    public String next(int id) {
        byte[] piece = tokenizer.piece(id, renderSpecial);
        int from = 0;
        if (tokenizer.endsSegment(id)) {
            segmentStart = true;
        } else if (piece.length > 0) {
            if (segmentStart && tokenizer.stripsSegmentPrefix() && piece[0] == ' ') {
                from = 1;
            }
            segmentStart = false;
        }
        hold(piece, from);
        return decodeHeld(false);
    }

    /** The text still held back (an unfinished character, written as U+FFFD); the decoder starts over after it. */
    public String finish() {
        String rest = decodeHeld(true);
        utf8.reset();
        segmentStart = true;
        return rest;
    }

    private void hold(byte[] piece, int from) {
        int length = piece.length - from;
        if (heldLength + length > held.length) {
            held = Arrays.copyOf(held, Math.max(held.length * 2, heldLength + length));
        }
        System.arraycopy(piece, from, held, heldLength, length);
        heldLength += length;
    }

    private String decodeHeld(boolean endOfInput) {
        if (heldLength == 0) {
            return "";
        }
        ByteBuffer in = ByteBuffer.wrap(held, 0, heldLength);
        CharBuffer out = CharBuffer.allocate(heldLength + 1);
        utf8.decode(in, out, endOfInput);
        if (endOfInput) {
            utf8.flush(out);
        }
        heldLength = in.remaining();
        System.arraycopy(held, in.position(), held, 0, heldLength);
        return out.flip().toString();
    }
}
