package dev.moeplatform.engine;

import java.util.Set;

/**
 * JSON mode for one sequence: which tokens may come next so that the output stays a valid prefix of a JSON object
 * (checked byte by byte by {@link JsonPrefix} on the token's bytes, so byte tokens that carry part of a UTF-8
 * character are fine inside strings), with a stop token allowed only once the object is complete.
 *
 * <p>Budget: a token is allowed only if, after it, the object can still be completed and stopped within the tokens
 * left ({@link JsonPrefix#distance()} bytes, each at worst one single-byte token, plus one stop token). Near the
 * limit this steers the output shut: only tokens that close strings, numbers and containers remain. When even that
 * cannot work (a limit of one or two tokens, or a vocabulary without single-byte tokens for the closing characters)
 * the budget is dropped and the output ends with finish reason {@code length}, possibly as incomplete JSON.
 *
 * <p>Not thread-safe: used by one sequence's sampler under its model's lock.
 */
final class JsonConstraint {

    /** Tokens left is unknown: no budget applies. */
    static final int UNLIMITED = Integer.MAX_VALUE;

    private final byte[][] tokenBytes;
    private final boolean[] stop;
    private final boolean hasStop;
    private final JsonPrefix state = new JsonPrefix();
    private final JsonPrefix trial = new JsonPrefix();

    /**
     * @param tokenBytes each token's bytes as it decodes on its own; empty or null: emits no text (control tokens),
     *     never allowed unless it is a stop token
     * @param stopTokens tokens that end the output (the model's end-of-sequence token and the request's stop tokens)
     */
    JsonConstraint(byte[][] tokenBytes, Set<Integer> stopTokens) {
        this.tokenBytes = tokenBytes;
        this.stop = new boolean[tokenBytes.length];
        boolean any = false;
        for (int id : stopTokens) {
            if (id >= 0 && id < tokenBytes.length) {
                stop[id] = true;
                any = true;
            }
        }
        this.hasStop = any;
    }

    /**
     * Whether {@code token} may come next.
     *
     * @param tokensLeftAfter how many more tokens may be generated after this one ({@link #UNLIMITED} if unknown)
     * @param budget whether to demand that the object can still be finished (and stopped) within those
     */
    boolean allows(int token, int tokensLeftAfter, boolean budget) {
        if (stop[token]) {
            return state.complete();
        }
        byte[] bytes = tokenBytes[token];
        if (bytes == null || bytes.length == 0 || state.complete()) {
            return false;
        }
        trial.copyFrom(state);
        if (!trial.accept(bytes)) {
            return false;
        }
        return !budget || tokensLeftAfter == UNLIMITED
                || (long) trial.distance() + (hasStop ? 1 : 0) <= tokensLeftAfter;
    }

    /**
     * Sets the logits of every token not {@link #allows allowed} to negative infinity.
     *
     * @return how many tokens remain allowed
     */
    int mask(float[] logits, int tokensLeftAfter, boolean budget) {
        int allowed = 0;
        if (state.complete()) {
            for (int id = 0; id < logits.length; id++) {
                if (stop[id]) {
                    allowed++;
                } else {
                    logits[id] = Float.NEGATIVE_INFINITY;
                }
            }
            return allowed;
        }
        for (int id = 0; id < logits.length; id++) {
            if (logits[id] != Float.NEGATIVE_INFINITY && allows(id, tokensLeftAfter, budget)) {
                allowed++;
            } else {
                logits[id] = Float.NEGATIVE_INFINITY;
            }
        }
        return allowed;
    }

    /** Advances past the chosen token; false if it was not a valid continuation (the state is then unchanged). */
    boolean accept(int token) {
        if (stop[token]) {
            return state.complete();
        }
        byte[] bytes = tokenBytes[token];
        if (bytes == null || bytes.length == 0 || state.complete()) {
            return false;
        }
        trial.copyFrom(state);
        if (!trial.accept(bytes)) {
            return false;
        }
        state.copyFrom(trial);
        return true;
    }

    boolean complete() {
        return state.complete();
    }
}
